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
from cdx.server.runner import SimConfig, start_exchange

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
    header, *rows = out.splitlines()
    assert header.split() == [
        "id", "side", "type", "price", "volume", "filled", "status", "avg_price", "amount",
    ]  # fmt: skip
    row = next(r.split() for r in rows if r.startswith(order_id))
    assert row[:7] == [order_id, "BUY", "LIMIT", FAR_BID, "0.010000", "0.000000", "NEW"]
    assert row[7:] == ["-", "0.010000", "BTC"]  # nothing filled yet; the amount with its coin
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


async def test_refused_order_exits_1_with_the_reason_on_stderr(hostile, capsys) -> None:
    """The account cdx checks against shows more than the exchange holds (it moved on since,
    say): the local check passes and the exchange's own refusal is reported."""
    from aiohttp import web

    async def rich(request: web.Request) -> web.StreamResponse:
        answer = (await hostile.forward(request)).json()
        for entry in answer["data"]["coin_list"]:
            entry["normal"] = "100000000"
        return web.json_response(answer)

    hostile.on("/v1/account", rich)
    argv = [
        "place", "--rest-url", hostile.rest_url, "--symbol", "btcusdt", "--side", "buy",
        "--type", "limit", "--volume", "1000", "--price", FAR_BID, "--yes",
    ]  # fmt: skip
    code = await asyncio.to_thread(cli.main, argv)
    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    assert "insufficient available balance" in captured.err
    assert ("POST", "/v1/order") in hostile.requests


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


# valuation, fills, confirmation and local checks (issue 13) --------------------------------


@pytest.fixture
async def still_exchange():
    """The seeded market standing still (no synthetic trades), so last prices hold."""
    running = await start_exchange(SimConfig(seed=7, rate=0))
    try:
        yield running
    finally:
        await running.stop()


async def last_prices(rest_url: str) -> dict[str, Decimal]:
    """Every symbol's last price, read straight off `GET /v1/ticker` (PROTOCOL.md rev 2)."""
    import httpx

    async with httpx.AsyncClient() as http:
        data = (await http.get(f"{rest_url}/v1/ticker")).json()["data"]
    return {t["symbol"]: Decimal(t["last"]) for t in data["ticker"]}


async def test_balances_in_a_coin_add_value_columns_and_a_total(still_exchange, capsys) -> None:
    argv = ["balances", "--rest-url", still_exchange.rest_url, "--in", "usdt"]
    code = await asyncio.to_thread(cli.main, argv)
    out = capsys.readouterr().out
    assert code == 0
    header, *rows = (line.split() for line in out.splitlines())
    assert header == ["coin", "available", "locked", "total", "value_usdt", "value_btc"]
    cells = {row[0]: row for row in rows}
    last = await last_prices(still_exchange.rest_url)
    assert cells["usdt"][4] == "100000.00"
    assert Decimal(cells["btc"][4]) == 2 * last["btcusdt"]
    assert Decimal(cells["eth"][4]) == 20 * last["ethusdt"]
    assert Decimal(cells["sol"][4]) == 500 * last["solusdt"]
    assert cells["btc"][5] == "2.00000000"
    coins = [cells[c] for c in ("btc", "usdt", "eth", "sol")]
    assert Decimal(cells["total"][4]) == sum(Decimal(c[4]) for c in coins)
    assert Decimal(cells["total"][5]) == sum(Decimal(c[5]) for c in coins)


async def test_balances_json_gives_btc_values_and_values_in_the_coin_asked(cdx) -> None:
    code, out, _ = await cdx("balances", "--json", "--in", "usdt")
    assert code == 0
    answer = json.loads(out)
    balances = {b["coin"]: b for b in answer["balances"]}
    assert balances["usdt"]["value"] == "100000.00"
    assert balances["btc"]["btc_value"] == "2.00000000"
    assert answer["value_coin"] == "usdt"
    assert Decimal(answer["total_value"]) > Decimal("100000")


async def test_orders_show_a_market_buys_average_price_and_quote_to_spend(cdx) -> None:
    code, out, err = await cdx(
        "place", "--symbol", "btcusdt", "--side", "buy", "--type", "market",
        "--volume", "600", "--yes", "--json",
    )  # fmt: skip
    assert code == 0, err
    order_id = json.loads(out)["order_id"]
    code, out, _ = await cdx("orders", "--symbol", "btcusdt", "--all")
    row = next(r.split() for r in out.splitlines() if r.startswith(order_id))
    assert row[1:3] == ["BUY", "MARKET"]
    assert row[-3:] == ["spend", "600.00", "USDT"]
    average = Decimal(row[7])
    assert Decimal(20000) < average < Decimal(40000)
    code, out, _ = await cdx("orders", "--symbol", "btcusdt", "--all", "--json")
    listed = next(o for o in json.loads(out) if o["id"] == order_id)
    assert (Decimal(listed["spend"]), listed["volume_coin"]) == (600, "usdt")
    assert Decimal(listed["avg_price"]) == average


@pytest.mark.parametrize(("answer", "left"), [(b"n", 2), (b"y", 0)])
async def test_on_a_terminal_cancel_all_asks_first(exchange, cdx, answer, left) -> None:
    for _ in range(2):
        await place_far_bid(cdx)
    argv = ["cancel", "--rest-url", exchange.rest_url, "--symbol", "btcusdt", "--all"]
    exit_code, screen = await asyncio.to_thread(_on_a_terminal, argv, answer)
    assert "Cancel all 2 open BTCUSDT orders? [y/N]" in screen
    assert exit_code == (0 if left == 0 else 1), screen
    if left:
        assert "nothing cancelled" in screen
    _, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert len(json.loads(out)) == left


async def test_on_a_terminal_cancel_all_with_yes_does_not_ask(exchange, cdx) -> None:
    await place_far_bid(cdx)
    argv = ["cancel", "--rest-url", exchange.rest_url, "--symbol", "btcusdt", "--all", "-y"]
    exit_code, screen = await asyncio.to_thread(_on_a_terminal, argv, b"n")
    assert exit_code == 0, screen
    assert "[y/N]" not in screen
    _, out, _ = await cdx("orders", "--symbol", "btcusdt", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("volume", "price", "says"),
    [
        ("0.0000001", FAR_BID, "Amount allows at most 6 decimals (BTC) (--volume)"),
        ("0.01", "20000.001", "Price allows at most 2 decimals (USDT) (--price)"),
        ("0.0001", "1.00", "Total below the minimum 5 USDT (--volume)"),
        ("100", FAR_BID, "Not enough USDT: need 2,000,000.00"),
    ],
    ids=["amount-decimals", "price-decimals", "below-minimum", "balance"],
)
async def test_place_refused_by_the_forms_rules_sends_nothing(
    hostile, capsys, volume, price, says
) -> None:
    argv = [
        "place", "--rest-url", hostile.rest_url, "--symbol", "btcusdt", "--side", "buy",
        "--type", "limit", "--volume", volume, "--price", price, "--yes",
    ]  # fmt: skip
    code = await asyncio.to_thread(cli.main, argv)
    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    assert f"cdx place: not placed: {says}" in captured.err
    assert "nothing was sent" in captured.err
    assert [path for _, path in hostile.requests if path == "/v1/order"] == []
    assert hostile.exchange.engine.open_orders("demo", "btcusdt") == []


def test_the_place_command_loads_no_textual() -> None:
    """`cdx place` uses the form's rules without the dashboard's toolkit."""
    probe = "import sys, cdx.commands.account; print('textual' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
