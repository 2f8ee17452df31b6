"""The `cdx` command line of the dashboard: usage errors exit 2 before anything starts."""

from __future__ import annotations

import argparse

import pytest

from cdx.commands.dashboard import add_arguments, log_path, run


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cdx")
    add_arguments(parser)
    return parser.parse_args(argv)


def test_rest_url_without_ws_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["--rest-url", "http://127.0.0.1:1"])
    assert args.symbol == "btcusdt"
    assert run(args) == 2
    assert "--ws-url" in capsys.readouterr().err


def test_log_goes_to_the_state_directory(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert log_path() == tmp_path / "cdx" / "cdx.log"
