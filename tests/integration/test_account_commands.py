"""The scriptable account commands end to end against the embedded exchange, as a script or
a person at a shell would run them: output, JSON, and the exit-code contract (0 / 1 / 2, and
3 for a placement whose outcome is unknown: see test_cli_faults.py)."""

from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from cdx import cli

FAR_BID = "20000.00"


@pytest.fixture(autouse=True)
def demo_keys(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CDX_API_KEY", "demo")
    monkeypatch.setenv("CDX_API_SECRET", "demo-secret")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # the commands' log file


@pytest.fixture
def cdx(exchange, capsys):
    """Run `cdx COMMAND --rest-url <exchange> ARGS...`; returns (exit code, stdout, stderr)."""

    async def run(command: str, *argv: str) -> tuple[int, str, str]:
        args = [command, "--rest-url", exchange.rest_url, "--ws-url", exchange.ws_url, *argv]
        try:
            code = await asyncio.to_thread(cli.main, args)
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


async def place_far_bid(cdx, *extra: str) -> str:
    code, out, err = await cdx(
        "place",
        "--symbol", "btcusdt", "--side", "buy", "--type", "limit",
        "--volume", "0.01", "--price", FAR_BID, "--yes", "--json", *extra,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)["order_id"]


async def test_balances_table_shows_every_coin(cdx) -> None:
    code, out, _ = await cdx("balances")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["coin", "available", "locked", "total"]
    assert ["usdt", "100000", "0", "100000"] in [row.split() for row in rows]


async def test_balances_json_has_exact_decimal_strings(cdx) -> None:
    code, out, _ = await cdx("balances", "--json")
    assert code == 0
    balances = {b["coin"]: b for b in json.loads(out)["balances"]}
    assert Decimal(balances["btc"]["available"]) == Decimal("2")
    assert isinstance(balances["btc"]["locked"], str)


async def test_place_list_and_cancel_an_order(cdx) -> None:
    order_id = await place_far_bid(cdx)
    code, out, _ = await cdx("orders", "--symbol", "btcusdt")
    assert code == 0
    row = next(r.split() for r in out.splitlines() if r.startswith(order_id))
    assert row == [order_id, "BUY", "LIMIT", FAR_BID, "0.010000", "0.000000", "NEW"]
    code, out, _ = await cdx("cancel", "--symbol", "btcusdt", order_id)
    assert (code, out.strip()) == (0, f"cancelled order {order_id}")
    code, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert json.loads(out) == []
    code, out, _ = await cdx("orders", "--symbol", "btcusdt", "--all", "--json")
    assert {"id": order_id, "status": "CANCELED"}.items() <= json.loads(out)[0].items()


async def test_cancel_all_cancels_every_open_order(cdx) -> None:
    for _ in range(2):
        await place_far_bid(cdx)
    code, _, _ = await cdx("cancel", "--symbol", "btcusdt", "--all")
    assert code == 0
    _, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert json.loads(out) == []


async def test_market_buy_spends_quote_amount(cdx) -> None:
    code, out, err = await cdx(
        "place", "--symbol", "btcusdt", "--side", "buy", "--type", "market",
        "--volume", "100", "--yes",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("placed BUY MARKET 100 btcusdt")


async def test_refusal_without_yes_off_a_terminal_places_nothing(cdx) -> None:
    code, _, err = await cdx(
        "place", "--symbol", "btcusdt", "--side", "buy", "--type", "limit",
        "--volume", "0.01", "--price", FAR_BID,
    )  # fmt: skip
    assert code == 2
    assert "without --yes" in err
    _, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["place", "--symbol", "btcusdt", "--side", "buy", "--type", "limit", "--volume", "1"],
        ["place", "--symbol", "btcusdt", "--side", "buy", "--type", "market", "--volume", "1",
         "--price", "5", "--yes"],
        ["place", "--symbol", "btcusdt", "--side", "up", "--type", "limit", "--volume", "1"],
        ["place", "--symbol", "btcusdt", "--side", "buy", "--type", "limit", "--volume", "-1",
         "--price", "5", "--yes"],
        ["cancel", "--symbol", "btcusdt"],
        ["cancel", "--symbol", "btcusdt", "abc"],
        ["orders"],
    ],
    ids=["limit-no-price", "market-with-price", "bad-side", "negative", "cancel-what",
         "cancel-not-an-id", "no-symbol"],
)  # fmt: skip
async def test_usage_errors_exit_2(cdx, argv) -> None:
    code, out, err = await cdx(*argv)
    assert code == 2
    assert out == ""
    assert "error" in err


async def test_missing_rest_url_is_a_usage_error(capsys) -> None:
    code = await asyncio.to_thread(cli.main, ["balances"])
    assert code == 2
    assert "--rest-url is required" in capsys.readouterr().err


async def test_rest_url_before_the_command_is_accepted(exchange, capsys) -> None:
    code = await asyncio.to_thread(cli.main, ["--rest-url", exchange.rest_url, "balances"])
    assert code == 0
    assert capsys.readouterr().out.startswith("coin")


async def test_refused_order_exits_1_with_the_reason_on_stderr(cdx) -> None:
    code, out, err = await cdx(
        "place", "--symbol", "btcusdt", "--side", "buy", "--type", "limit",
        "--volume", "1000", "--price", FAR_BID, "--yes",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert "insufficient available balance" in err


async def test_cancel_unknown_order_exits_1(cdx) -> None:
    code, _, err = await cdx("cancel", "--symbol", "btcusdt", "987654321")
    assert code == 1
    assert "order not found" in err


async def test_wrong_secret_exits_1_naming_the_secret(cdx, monkeypatch) -> None:
    monkeypatch.setenv("CDX_API_SECRET", "not-the-secret")
    code, _, err = await cdx("balances")
    assert code == 1
    assert "is CDX_API_SECRET right?" in err
    assert "not-the-secret" not in err


async def test_without_keys_exits_1_saying_keys_are_needed(cdx, monkeypatch) -> None:
    monkeypatch.delenv("CDX_API_KEY")
    code, _, err = await cdx("balances")
    assert code == 1
    assert "set CDX_API_KEY and CDX_API_SECRET" in err


async def test_unreachable_server_exits_1(capsys) -> None:
    code = await asyncio.to_thread(cli.main, ["balances", "--rest-url", "http://127.0.0.1:9"])
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err


def _on_a_terminal(argv: list[str], answer: bytes) -> tuple[int, str]:
    """Run `cdx ARGV` with a pseudo-terminal as stdin/stdout, answer its prompt, return
    (exit code, everything it printed on the terminal)."""
    master, slave = os.openpty()
    env = {**os.environ, "CDX_API_KEY": "demo", "CDX_API_SECRET": "demo-secret"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdx.cli", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(master, answer + b"\n")
                answered = True
        return proc.wait(timeout=30), seen.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize(("answer", "code"), [(b"y", 0), (b"n", 1)])
async def test_on_a_terminal_place_asks_first(exchange, cdx, answer, code) -> None:
    argv = [
        "place", "--rest-url", exchange.rest_url, "--symbol", "btcusdt", "--side", "sell",
        "--type", "limit", "--volume", "0.01", "--price", "99999.00",
    ]  # fmt: skip
    exit_code, screen = await asyncio.to_thread(_on_a_terminal, argv, answer)
    assert "Place SELL LIMIT 0.01 btcusdt @ 99999.00? [y/N]" in screen
    assert exit_code == code, screen
    _, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert len(json.loads(out)) == (1 if code == 0 else 0)


async def test_a_reader_that_stops_early_gets_no_traceback(exchange) -> None:
    """`cdx balances --json | head -c 1`: the pipe closes before cdx has written."""
    env = {**os.environ, "CDX_API_KEY": "demo", "CDX_API_SECRET": "demo-secret"}
    argv = [sys.executable, "-m", "cdx.cli", "balances", "--json", "--rest-url", exchange.rest_url]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=write_end, stderr=subprocess.PIPE, env=env
        )
    finally:
        os.close(write_end)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 1
    assert b"Traceback" not in err and b"BrokenPipe" not in err


async def test_place_help_documents_the_three_outcomes(capsys) -> None:
    with pytest.raises(SystemExit):
        await asyncio.to_thread(cli.main, ["place", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit 0 placed" in text
    assert "1 not placed" in text
    assert "2 usage error" in text
    assert "3 unknown" in text


async def test_the_log_file_is_private(cdx, tmp_path) -> None:
    code, _, _ = await cdx("balances")
    assert code == 0
    log = tmp_path / "cdx" / "cdx.log"
    assert oct(log.stat().st_mode & 0o777) == oct(0o600)
    assert oct(log.parent.stat().st_mode & 0o777) == oct(0o700)
