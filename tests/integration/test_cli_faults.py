"""The CLI against a hostile server (real sockets): whatever the server answers, `cdx` prints one
clear outcome, never a traceback, never a raw terminal control, and `cdx place` never tells a
script that an executed order failed (nor that a failed one succeeded).

The front (`hostile`, tests/conftest.py) breaks one REST path; the embedded exchange behind it
executes what is forwarded, and its engine is the truth each test checks the CLI against.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import sys
import unicodedata
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from cdx import cli
from cdx.client.rest import RestClient

FAR_BID = "20000.00"
SYMBOL = "btcusdt"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(autouse=True)
def demo_keys(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CDX_API_KEY", "demo")
    monkeypatch.setenv("CDX_API_SECRET", "demo-secret")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def lost_answers_settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A placement can execute up to ~11 s after its stamp, so proving absence waits that long.
    The hostile front decides what reaches the exchange, so the tests may prove it at once."""
    monkeypatch.setitem(RestClient.__init__.__kwdefaults__, "placement_horizon_ms", 0)


@pytest.fixture
def cdx(hostile, capsys: pytest.CaptureFixture[str]):
    """Run `cdx COMMAND --rest-url <hostile front> ARGS...`; returns (exit code, out, err)."""

    async def run(command: str, *argv: str) -> tuple[int, str, str]:
        args = [command, "--rest-url", hostile.rest_url, *argv]
        try:
            code = await asyncio.to_thread(cli.main, args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def place_args(volume: str = "0.01", price: str = FAR_BID, *extra: str) -> list[str]:
    return [
        "--symbol", SYMBOL, "--side", "buy", "--type", "limit",
        "--volume", volume, "--price", price, "--yes", *extra,
    ]  # fmt: skip


def open_ids(hostile) -> list[str]:
    return [o.id for o in hostile.exchange.engine.open_orders("demo", SYMBOL)]


def raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on: controls (bar newline), format and bidi marks."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2, err


def executed_then(hostile, body: bytes | str, status: int = 200) -> Handler:
    """The exchange executes the request, then the client gets `body` instead of its answer."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await hostile.forward(request)
        return web.Response(status=status, body=body, content_type="application/json")

    return handler


def rewritten(hostile, change: Callable[[dict], None]) -> Handler:
    """The exchange answers; a success has its `data` changed by `change` on the way back."""

    async def handler(request: web.Request) -> web.StreamResponse:
        forwarded = await hostile.forward(request)
        answer = forwarded.json()
        if answer.get("code") == "0":
            change(answer["data"])
        return web.json_response(answer, status=forwarded.status)

    return handler


def dropped_with(body: bytes | str, status: int = 200) -> Handler:
    """The request never reaches the exchange; the client gets `body`."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        return web.Response(status=status, body=body, content_type="application/json")

    return handler


NESTED = '{"code":"0","msg":"suc","data":' + "[" * 200_000 + "]" * 200_000 + "}"

# family 2: an executed order answered with something that is not a success ------------------

EXECUTED_THEN = {
    "not-an-envelope": '{"order_id": "1"}',
    "not-json": "<html>proxy error</html>",
    "empty-body": "",
    "no-order-id": '{"code":"0","msg":"suc","data":{}}',
    "order-id-not-digits": '{"code":"0","msg":"suc","data":{"order_id":"12\\u001b[31m"}}',
    "data-null": '{"code":"0","msg":"suc","data":null}',
    "nested-body": NESTED,
    "truncated": '{"code":"0","msg":"suc","data":{"order_',
}


@pytest.mark.parametrize("body", EXECUTED_THEN.values(), ids=EXECUTED_THEN.keys())
async def test_an_executed_order_with_a_broken_answer_is_reported_placed_with_its_id(
    hostile, cdx, body: str
) -> None:
    hostile.on("/v1/order", executed_then(hostile, body))
    code, out, err = await cdx("place", *place_args())
    (order_id,) = open_ids(hostile)
    assert code == 0, err
    assert out == f"placed BUY LIMIT 0.01 {SYMBOL} @ {FAR_BID}: order {order_id}\n"
    no_traceback(err)
    assert "may or may not" not in out + err


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_an_executed_order_answered_with_a_server_error_is_reported_placed(
    hostile, cdx, status: int
) -> None:
    hostile.on("/v1/order", executed_then(hostile, "<html>bad gateway</html>", status))
    code, out, err = await cdx("place", *place_args(), "--json")
    (order_id,) = open_ids(hostile)
    assert code == 0, err
    assert json.loads(out) == {"order_id": order_id}


async def test_a_lost_placement_that_cannot_be_checked_exits_3_saying_check_first(
    hostile, cdx
) -> None:
    async def unavailable(request: web.Request) -> web.Response:
        return web.json_response({"code": "100002", "msg": "down", "data": None}, status=503)

    hostile.on("/v1/order", executed_then(hostile, "not json"))
    hostile.on("/v1/allOrders", unavailable)
    code, out, err = await cdx("place", *place_args())
    assert (code, out) == (3, "")
    assert "may or may not have been placed" in err
    assert "check open orders before placing again" in err
    no_traceback(err)
    assert len(open_ids(hostile)) == 1  # it was placed: exit 3 is the honest answer


async def test_a_placement_lost_before_the_exchange_saw_it_exits_1_not_placed(
    hostile, cdx, lost_answers_settle_at_once
) -> None:
    hostile.on("/v1/order", dropped_with("<html>gateway timeout</html>", 504))
    code, out, err = await cdx("place", *place_args())
    assert (code, out) == (1, "")
    assert "not placed" in err.splitlines()[-1]
    assert "may or may not" not in err.splitlines()[-1]
    assert open_ids(hostile) == []


# family 3: an identical earlier order is never claimed ---------------------------------------


async def test_a_lost_repeat_of_an_identical_order_never_claims_the_first_one(
    hostile, cdx, lost_answers_settle_at_once
) -> None:
    code, out, _ = await cdx("place", *place_args(), "--json")
    assert code == 0
    first = json.loads(out)["order_id"]
    hostile.on("/v1/order", dropped_with("", 502))
    code, out, err = await cdx("place", *place_args())
    assert code == 1, err
    assert out == ""
    assert first not in err.splitlines()[-1]
    assert open_ids(hostile) == [first]


async def test_a_lost_repeat_that_did_execute_is_reported_with_the_new_id(hostile, cdx) -> None:
    code, out, _ = await cdx("place", *place_args(), "--json")
    first = json.loads(out)["order_id"]
    hostile.on("/v1/order", executed_then(hostile, "garbage"))
    code, out, err = await cdx("place", *place_args(), "--json")
    assert code == 0, err
    second = json.loads(out)["order_id"]
    assert second != first
    assert sorted(open_ids(hostile)) == sorted([first, second])


# well-formed refusals and escapes ----------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\u2066\x7f\r"


async def test_a_refusal_exits_1_with_the_message_escaped(hostile, cdx) -> None:
    async def refused(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"code": "110005", "msg": f"no money {ESCAPES}", "data": None})

    hostile.on("/v1/order", refused)
    code, out, err = await cdx("place", *place_args())
    assert (code, out) == (1, "")
    assert "insufficient available balance" in err
    assert raw_controls(err) == []
    assert "\\x1b]0;owned\\x07" in err
    assert open_ids(hostile) == []


async def test_an_error_message_with_escapes_is_printed_escaped(hostile, cdx) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.json_response(
            {"code": "100001", "msg": f"boom {ESCAPES}", "data": None}, status=500
        )

    hostile.on("/v1/account", broken)
    code, out, err = await cdx("balances")
    assert (code, out) == (1, "")
    assert raw_controls(err) == []
    no_traceback(err)


async def test_coin_names_with_escapes_never_reach_the_terminal_raw(hostile, cdx) -> None:
    def add_coins(data: dict) -> None:
        coins = data["coin_list"]
        coins.append({**coins[0], "coin": f"x{ESCAPES}"})
        coins.append({**coins[0], "coin": "比特币"})

    hostile.on("/v1/account", rewritten(hostile, add_coins))
    code, out, err = await cdx("balances")
    assert code == 0, err
    assert raw_controls(out + err) == []
    rows = out.splitlines()
    # Whatever the gate kept, the columns line up: every number ends in the same column.
    ends = {len(row) + sum(unicodedata.east_asian_width(c) == "W" for c in row) for row in rows}
    assert len(ends) == 1, out
    code, out, err = await cdx("balances", "--json")
    assert code == 0
    assert raw_controls(out) == []
    json.loads(out)


async def test_order_ids_and_symbols_with_escapes_never_reach_the_terminal_raw(
    hostile, cdx
) -> None:
    code, _, _ = await cdx("place", *place_args())
    assert code == 0

    def add_orders(data: dict) -> None:
        good = data["resultList"][0]
        data["resultList"] += [
            {**good, "id": f"9{ESCAPES}"},
            {**good, "id": "99", "symbol": f"btc{ESCAPES}"},
            {**good, "id": "98", "fee_coin": f"btc{ESCAPES}"},
        ]
        data["count"] = 4

    hostile.on("/v1/openOrders", rewritten(hostile, add_orders))
    for extra in ((), ("--json",)):
        code, out, err = await cdx("orders", "--symbol", SYMBOL, *extra)
        assert code == 0, err
        assert raw_controls(out + err) == []


async def test_doctor_output_is_escaped(hostile, capsys) -> None:
    async def symbols(request: web.Request) -> web.Response:
        return web.json_response({"code": "100002", "msg": f"down {ESCAPES}", "data": None})

    hostile.on("/v1/symbols", symbols)
    code = await asyncio.to_thread(
        cli.main, ["doctor", "--rest-url", hostile.rest_url, "--ws-url", hostile.ws_url]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert raw_controls(captured.out + captured.err) == []
    assert "FAIL  REST reachable" in captured.out


# nesting, size and paging ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [NESTED, '{"code":"0","msg":"suc","data":' + '{"a":' * 100_000 + "1" + "}" * 100_001],
    ids=["arrays", "objects"],
)
async def test_a_deeply_nested_body_is_one_line_and_exit_1(hostile, cdx, body: str) -> None:
    hostile.on("/v1/account", dropped_with(body))
    code, out, err = await cdx("balances")
    assert (code, out) == (1, "")
    no_traceback(err)
    assert err.startswith("cdx ")


async def test_a_huge_body_is_one_line_and_exit_1(hostile, cdx) -> None:
    huge = '{"code":"0","msg":"suc","data":{"coin_list":[' + '"x",' * 3_000_000 + '"x"]}}'
    hostile.on("/v1/account", dropped_with(huge))
    code, out, err = await cdx("balances")
    assert (code, out) == (1, "")
    no_traceback(err)


async def test_doctor_survives_a_nested_body(hostile, capsys) -> None:
    hostile.on("/v1/symbols", dropped_with(NESTED))
    code = await asyncio.to_thread(cli.main, ["doctor", "--rest-url", hostile.rest_url])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    assert "FAIL  REST reachable" in captured.out


async def test_orders_stop_paging_when_the_server_counts_a_billion(hostile, cdx) -> None:
    code, _, _ = await cdx("place", *place_args())
    assert code == 0

    def a_billion(data: dict) -> None:
        data["count"] = 10**9

    hostile.on("/v1/openOrders", rewritten(hostile, a_billion))
    hostile.on("/v1/allOrders", rewritten(hostile, a_billion))
    for extra in ((), ("--all",)):
        async with asyncio.timeout(30):
            code, out, err = await cdx("orders", "--symbol", SYMBOL, "--json", *extra)
        assert code == 0, err
        assert len(json.loads(out)) == 1
        assert "may be incomplete" in err
        pages = [p for m, p in hostile.requests if p in ("/v1/openOrders", "/v1/allOrders")]
        assert len(pages) <= 64
        hostile.requests.clear()


# unexpected errors and the log file --------------------------------------------------------


async def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(
    hostile, cdx, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    async def bug(self, *args, **kwargs):
        raise RuntimeError("a bug \x1b[2J")

    monkeypatch.setattr(RestClient, "account", bug)
    code, out, err = await cdx("balances")
    assert (code, out) == (1, "")
    assert err.startswith("cdx: unexpected error: RuntimeError: a bug \\x1b[2J")
    no_traceback(err)
    log = tmp_path / "state" / "cdx" / "cdx.log"
    text = log.read_text()
    assert "Traceback" in text and "RuntimeError: a bug \\x1b[2J" in text
    assert "\x1b" not in text
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(log.parent).st_mode) == 0o700


async def test_an_unexpected_error_while_placing_is_unknown_not_failed(
    hostile, cdx, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cdx.commands.account as account

    async def bug(rest, outcome, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    hostile.on("/v1/order", executed_then(hostile, "garbage"))
    monkeypatch.setattr(account, "settle", bug)
    code, out, err = await cdx("place", *place_args())
    assert (code, out) == (3, "")
    assert "may or may not have been placed" in err
    assert "check open orders before placing again" in err
    no_traceback(err)
    assert len(open_ids(hostile)) == 1


async def test_ctrl_c_while_the_order_is_out_exits_3_saying_check_first(hostile, tmp_path) -> None:
    """The user gives up waiting: the request may already have executed, so it is unknown."""
    reached = asyncio.Event()

    async def hang(request: web.Request) -> web.StreamResponse:
        await hostile.forward(request)
        reached.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    hostile.on("/v1/order", hang)
    env = {
        **os.environ,
        "CDX_API_KEY": "demo",
        "CDX_API_SECRET": "demo-secret",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cdx.cli", "place", "--rest-url", hostile.rest_url, *place_args(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            await reached.wait()
            process.send_signal(signal.SIGINT)
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = err.decode()
    assert (process.returncode, out) == (3, b""), text
    assert "may or may not have been placed: interrupted" in text
    assert "check open orders before placing again" in text
    assert "Traceback" not in text
    assert len(open_ids(hostile)) == 1


async def test_plain_http_off_this_machine_places_nothing_and_exits_1(capsys) -> None:
    """Keys are set and the URL is plain http to another host: refused before a byte is sent,
    so the outcome is certain (not placed), not unknown."""
    argv = ["place", "--rest-url", "http://10.255.255.1:9", *place_args()]
    code = await asyncio.to_thread(cli.main, argv)
    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    assert "not placed" in captured.err and "plain http" in captured.err
    assert "may or may not" not in captured.err
