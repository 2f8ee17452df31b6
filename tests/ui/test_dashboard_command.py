"""The `cdx` command line of the dashboard: usage errors exit 2 before anything starts, and
the log is private (0600 in a 0700 directory) and escaped."""

from __future__ import annotations

import argparse
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cdx import cli
from cdx.commands.dashboard import add_arguments, configure_logging, log_path, run
from cdx.commands.logfile import command_log


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


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    """`configure_logging` replaces the root handlers; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield root
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            if handler not in handlers:
                handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_log_is_0600_in_a_0700_directory(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "state" / "cdx" / "cdx.log"
    old = os.umask(0)
    try:
        configure_logging(path)
    finally:
        os.umask(old)
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)


def test_a_log_left_readable_by_others_is_made_private(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "cdx" / "cdx.log"
    path.parent.mkdir(mode=0o755)
    path.parent.chmod(0o755)
    path.write_text("old line\n")
    path.chmod(0o644)
    configure_logging(path)
    logging.getLogger("cdx.test").warning("new line")
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    assert path.read_text().startswith("old line\n")  # appended, not truncated


def test_a_log_path_that_is_a_symlink_is_refused(root_logger, tmp_path: Path) -> None:
    directory = tmp_path / "cdx"
    directory.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_text("")
    (directory / "cdx.log").symlink_to(target)
    with pytest.raises(OSError, match="symlink"):
        configure_logging(directory / "cdx.log")


def test_the_dashboard_says_why_it_cannot_log(monkeypatch, tmp_path, capsys) -> None:
    (tmp_path / "cdx").write_text("a file where the directory should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert run(parse([])) == 1
    err = capsys.readouterr().err
    assert err.startswith("cdx: cannot write the log file:")
    assert "Traceback" not in err


def test_log_records_are_written_escaped(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "cdx" / "cdx.log"
    configure_logging(path)
    logging.getLogger("cdx.test").warning("coin %s", "b\x1b]0;owned\x07tc\nFAKE line")
    text = path.read_text()
    assert "\x1b" not in text and "\x07" not in text
    assert text.count("\n") == 1
    assert "coin b\\x1b]0;owned\\x07tc\\x0aFAKE line" in text


def test_a_command_log_leaves_the_root_logger_as_it_found_it(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    with command_log(tmp_path / "cdx" / "cdx.log") as where:
        assert where == f"details in {tmp_path / 'cdx' / 'cdx.log'}"
        logging.getLogger("cdx.test").info("inside")
    assert (list(root.handlers), root.level) == before
    assert "inside" in (tmp_path / "cdx" / "cdx.log").read_text()


@pytest.mark.parametrize(
    "argv",
    [
        ["--rest-url", "http://127.0.0.1:70000", "--ws-url", "ws://127.0.0.1:1/kline-api/ws"],
        ["--rest-url", "http://127.0.0.1:1", "--ws-url", "ws://" + "a" * 100_000],
        ["--symbol", "btc\x1busdt"],
    ],
    ids=["rest-port", "ws-100k", "symbol-escape"],
)
def test_a_bad_dashboard_option_is_a_usage_error(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "\x1b" not in err
