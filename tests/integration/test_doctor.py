"""`cdx doctor` against the embedded exchange: a good setup passes, each bad one is named."""

from __future__ import annotations

import asyncio
import time

import pytest

from cdx import cli
from cdx.client.credentials import Credentials
from cdx.commands.doctor import diagnose
from cdx.server.runner import SimConfig, start_exchange


@pytest.fixture(autouse=True)
def private_state(monkeypatch, tmp_path) -> None:
    """`cdx doctor` logs to the state directory: keep it out of the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


async def doctor(capsys, *argv: str) -> tuple[int, list[str]]:
    code = await asyncio.to_thread(cli.main, ["doctor", *argv])
    return code, capsys.readouterr().out.splitlines()


def line(lines: list[str], name: str) -> str:
    return next(text for text in lines if text.split(":")[0].split(None, 1)[1] == name)


@pytest.fixture
def keys(monkeypatch):
    def use(key: str | None, secret: str | None) -> None:
        for name, value in (("CDX_API_KEY", key), ("CDX_API_SECRET", secret)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    return use


async def test_good_setup_passes_every_check(exchange, capsys, keys) -> None:
    keys("demo", "demo-secret")
    code, lines = await doctor(capsys, "--rest-url", exchange.rest_url, "--ws-url", exchange.ws_url)
    assert code == 0, lines
    assert [text.split()[0] for text in lines] == ["ok"] * 5
    assert "market 100/1000 ms" in line(lines, "rate limits")


async def test_wrong_secret_is_named(exchange, capsys, keys) -> None:
    keys("demo", "not-the-secret")
    code, lines = await doctor(capsys, "--rest-url", exchange.rest_url, "--ws-url", exchange.ws_url)
    assert code == 1
    assert line(lines, "API key").startswith("FAIL  API key: signature rejected: is CDX_API_SECRET")
    assert "not-the-secret" not in "\n".join(lines)
    assert line(lines, "REST reachable").startswith("ok")


async def test_unknown_key_is_named(exchange, capsys, keys) -> None:
    keys("nobody", "whatever")
    code, lines = await doctor(capsys, "--rest-url", exchange.rest_url)  # ws URL derived
    assert code == 1
    assert "key rejected: the server does not know CDX_API_KEY" in line(lines, "API key")
    assert line(lines, "WebSocket").startswith("ok")


async def test_missing_keys_fail_the_key_check_only(exchange, capsys, keys) -> None:
    keys(None, None)
    code, lines = await doctor(capsys, "--rest-url", exchange.rest_url)
    assert code == 1
    assert "no API key: set CDX_API_KEY and CDX_API_SECRET" in line(lines, "API key")
    assert [text.split()[0] for text in lines].count("FAIL") == 1


async def test_unreachable_server_is_named(capsys, keys) -> None:
    keys("demo", "demo-secret")
    code, lines = await doctor(capsys, "--rest-url", "http://127.0.0.1:9")
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in line(lines, "REST reachable")
    assert "cannot connect to ws://127.0.0.1:9/kline-api/ws" in line(lines, "WebSocket")
    assert all(text.startswith("FAIL") for text in lines)


async def test_clock_41_s_behind_is_named() -> None:
    ahead = await start_exchange(
        SimConfig(rate=0, clock=lambda: time.time_ns() // 1_000_000 + 41_000)
    )
    try:
        checks = await diagnose(
            ahead.rest_url, ahead.ws_url, Credentials("demo", "demo-secret"), timeout=5.0
        )
    finally:
        await ahead.stop()
    by_name = {check.name: check for check in checks}
    assert not by_name["clock"].ok
    assert "time rejected: your clock is 41 s behind the server" in by_name["clock"].detail
    assert by_name["API key"].ok  # cdx itself corrects for the skew


async def test_without_rest_url_it_checks_the_embedded_exchange(capsys, keys) -> None:
    keys(None, None)
    code, lines = await doctor(capsys)
    assert code == 0, lines
    assert lines[0].startswith("checking the embedded exchange at http://127.0.0.1:")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:70000", "http://" + "a" * 100_000, "gopher://127.0.0.1"]
)
async def test_a_bad_url_is_a_usage_error_not_a_failed_check(capsys, url: str) -> None:
    with pytest.raises(SystemExit) as exit:
        await asyncio.to_thread(cli.main, ["doctor", "--rest-url", url])
    assert exit.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error: argument --rest-url" in captured.err
    assert "Traceback" not in captured.err
