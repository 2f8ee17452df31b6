"""The dashboard against a hostile server (issue 10): it survives whatever a server sends and
never shows a ghost or a wrong order.

The `hostile` front (tests/conftest.py) forwards REST to a still, seeded embedded exchange
except for the one path a test breaks; the WebSocket is scripted here (`ScriptedMarket`), so a
test decides every push. After each hostile input the app must still be running, still take
later good pushes, and show nothing of the bad value (screen text is read from Textual's
compositor and the notifications on show: what a user would read).
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Static

from cdx.client.credentials import Credentials
from cdx.client.rest import MAX_PAGES, RestClient
from cdx.client.tracker import TrackedState
from cdx.ui.app import DashboardApp
from cdx.ui.widgets import ladder_layout as ladder_module
from cdx.ui.widgets.contained import DISPLAY_ERROR
from cdx.ui.widgets.open_orders import OpenOrders

if TYPE_CHECKING:
    from conftest import HostileServer

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")
WAIT_S = 10.0
DEPTH = f"market_{SYMBOL}_depth_step0"
TRADES = f"market_{SYMBOL}_trade_ticker"
TICKER = f"market_{SYMBOL}_ticker"
ACCOUNT_PATH = "/v1/account"
LOW_PRICE = "1000.00"
"""A limit buy this far below the seeded market rests in the book and costs 10 USDT."""

UNCHECKED = ("e400", "e999", "1e+", "Infinity", "NaN", "\x1b", "Traceback", "Internal error")
"""Text that would mean an unchecked value (or a crash report) reached the screen."""


def gz(message: Any) -> bytes:
    return gzip.compress(json.dumps(message, separators=(",", ":")).encode())


class ScriptedMarket:
    """The WebSocket side: acknowledges every subscription and sends what a test queues."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.subscribed: set[str] = set()

    def push(self, message: Any) -> None:
        """Queue one server frame: an object (gzip JSON) or raw bytes written by the test."""
        self.frames.put_nowait(message if isinstance(message, bytes) else gz(message))

    async def serve(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        async def send() -> None:
            while True:
                await ws.send_bytes(await self.frames.get())

        sender = asyncio.create_task(send())
        try:
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                body = json.loads(message.data)
                if "ping" in body:
                    await ws.send_bytes(gz({"pong": body["ping"]}))
                    continue
                params = body.get("params", {})
                channel = params.get("channel", "")
                if body.get("event") == "sub":
                    self.subscribed.add(channel)
                    reply = {"event_rep": "subed", "channel": channel, "ts": now_ms()}
                    reply |= {"cb_id": params.get("cb_id", ""), "status": "ok"}
                    await ws.send_bytes(gz(reply))
        finally:
            sender.cancel()


@dataclass
class Hostile:
    """The app under test, the front it talks to and the scripted market stream."""

    app: DashboardApp
    server: HostileServer
    market: ScriptedMarket
    pilot: Pilot | None = field(default=None)

    async def until(self, condition: Callable[[], object], what: str) -> None:
        """Let the app run until `condition()` holds (a user waiting for the screen)."""
        assert self.pilot is not None
        deadline = time.monotonic() + WAIT_S
        while not condition():
            assert self.app.is_running, f"the app ended while waiting for: {what}"
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}\n{self.screen()}")
            await self.pilot.pause(0.02)

    def requests_to(self, path: str) -> int:
        """How many REST requests for `path` the front has received so far."""
        return sum(1 for _, seen in self.server.requests if seen == path)

    async def polls(self, rounds: int = 3) -> None:
        """Wait until the poller has completed `rounds` more rounds and the app has painted
        what they brought (a user watching several refreshes go by).

        A round ends before the next one asks for the account, so `rounds` + 1 new account
        requests mean `rounds` whole rounds have been answered and posted.
        """
        assert self.pilot is not None
        target = self.requests_to(ACCOUNT_PATH) + rounds + 1
        await self.until(lambda: self.requests_to(ACCOUNT_PATH) >= target, f"{rounds} polls")
        await self.repainted()

    async def repainted(self) -> None:
        """Handle every message posted so far, then paint everything, as the timer would."""
        assert self.pilot is not None
        await self.pilot.pause()
        self.app.repaint_now()
        await self.pilot.pause()

    def screen(self) -> str:
        """Every line on the terminal as the user reads it, then the notifications shown."""
        strips = self.app.screen._compositor.render_strips()
        notes = [notice.line for notice in self.app.told()]
        return "\n".join([*(strip.text for strip in strips), *notes])

    def ladder_prices(self) -> list[str]:
        return [row.price for row in self.app.ladder.rows if row.price]

    def shown_orders(self) -> list[str]:
        table = self.app.query_one(OpenOrders)
        return [
            " ".join(str(cell).strip() for cell in table.get_row_at(index))
            for index in range(table.row_count)
        ]

    async def streaming(self) -> None:
        """Wait until the app has subscribed its symbol's book and trades."""
        await self.until(
            lambda: {DEPTH, TRADES} <= self.market.subscribed and self.app.symbol is not None,
            "subscriptions",
        )

    async def good_book(self, best_ask: str = "27001.00", best_bid: str = "27000.00") -> None:
        """Push a sane book and wait until the ladder shows it: the app still takes data."""
        self.market.push(depth([[best_ask, "0.250000"]], [[best_bid, "1.000000"]]))
        price = f"{Decimal(best_ask):,.2f}"
        await self.until(lambda: price in self.ladder_prices(), f"ladder shows {price}")

    def assert_clean(self) -> None:
        """Still running, and nothing unchecked on the screen."""
        assert self.app.is_running
        text = self.screen()
        for bad in UNCHECKED:
            assert bad not in text, f"{bad!r} on screen:\n{text}"


def now_ms() -> int:
    return int(time.time() * 1000)


def depth(asks: list[Any], bids: list[Any], channel: str = DEPTH) -> dict[str, Any]:
    return {"channel": channel, "ts": now_ms(), "tick": {"asks": asks, "buys": bids}}


def trades(*items: dict[str, Any]) -> dict[str, Any]:
    return {"channel": TRADES, "ts": now_ms(), "tick": {"data": list(items)}}


def trade(trade_id: int, price: str = "27000.50", vol: str = "0.010000", **over: Any) -> dict:
    item = {"id": str(trade_id), "side": "BUY", "price": price, "vol": vol}
    item |= {"amount": str(Decimal(price) * Decimal(vol)), "ts": now_ms()}
    return item | over


@pytest.fixture
def market(hostile: HostileServer) -> ScriptedMarket:
    scripted = ScriptedMarket()
    hostile.on_ws(scripted.serve)
    return scripted


def dashboard_factory(
    hostile: HostileServer, market: ScriptedMarket, **rest_options: Any
) -> Callable[[], AsyncIterator[Hostile]]:
    async def build() -> AsyncIterator[Hostile]:
        async with RestClient(hostile.rest_url, DEMO, **rest_options) as rest:
            app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
            yield Hostile(app, hostile, market)

    return build


@pytest.fixture
async def dash(hostile: HostileServer, market: ScriptedMarket) -> AsyncIterator[Hostile]:
    async for built in dashboard_factory(hostile, market)():
        yield built


@pytest.fixture
async def impatient(hostile: HostileServer, market: ScriptedMarket) -> AsyncIterator[Hostile]:
    """Requests time out after 1.5 s (room for a loaded machine: the baseline read before a
    placement must still succeed); a placement can execute for 2.5 s after its stamp (so a lost
    one is proven absent quickly: the front never executes a request late)."""
    build = dashboard_factory(hostile, market, timeout=1.5, placement_horizon_ms=2500)
    async for built in build():
        yield built


async def running(dash: Hostile, pilot: Pilot) -> None:
    dash.pilot = pilot
    await dash.streaming()
    await dash.good_book()


# Market pushes ---------------------------------------------------------------------------------


RAW_1E400_PRICE = (
    b'{"channel":"%s","ts":%d,"tick":{"asks":[[1e400,"1.0"],["27002.00","0.5"]],'
    b'"buys":[["27000.00","1.0"]]}}'
)


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(
            lambda: depth([["1e400", "1.0"]], [["27000.00", "1.0"]]), id="price-str-1e400"
        ),
        pytest.param(
            lambda: gzip.compress(RAW_1E400_PRICE % (DEPTH.encode(), now_ms())),
            id="price-json-number-1e400",
        ),
        pytest.param(
            lambda: depth([["27001.00", "1e999999999"]], [["27000.00", "1.0"]]),
            id="amount-1e999999999",
        ),
        pytest.param(
            lambda: depth([["27001.00", "-5.000000"]], [["27000.00", "-1.0"]]),
            id="negative-amounts",
        ),
        pytest.param(
            lambda: depth(
                [["27010.00", "1.0"], ["26990.00", "1.0"]], [["26980.00", "1.0"], ["27020.00", "1"]]
            ),
            id="crossed-unsorted-book",
        ),
        pytest.param(lambda: depth([["27001.00", "1.0"]], [["0.000000001", "1.0"]]), id="tiny"),
        pytest.param(lambda: depth([["27001.00", 1e308]], [["27000.00", "1.0"]]), id="float"),
    ],
)
async def test_a_hostile_depth_push_leaves_the_app_running_and_updating(
    dash: Hostile, frame: Callable[[], Any]
) -> None:
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        dash.market.push(frame())
        # A trade after the bad push proves the frame was processed before we look.
        dash.market.push(trades(trade(1001)))
        await dash.until(lambda: dash.app.tape.trades, "the tape takes the next trade")
        dash.assert_clean()
        await dash.good_book("27005.00", "27004.00")
        dash.assert_clean()


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"ts": 10**20}, id="ts-1e20"),
        pytest.param({"ts": -(10**20)}, id="ts-minus-1e20"),
        pytest.param({"price": "1e400"}, id="price-1e400"),
        pytest.param({"vol": "-0.5"}, id="negative-vol"),
        pytest.param({"id": "9" * 5000}, id="huge-id"),
    ],
)
async def test_a_hostile_trade_leaves_the_tape_running(dash: Hostile, bad: dict) -> None:
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        dash.market.push(trades(trade(2000, **bad)))
        dash.market.push(trades(trade(2001, price="27003.25")))
        await dash.until(
            lambda: any(t.id == "2001" for t in dash.app.tape.trades), "the good trade"
        )
        await dash.until(lambda: "27,003.25" in dash.screen(), "the good trade on screen")
        dash.assert_clean()
        assert "--:--:--" not in dash.screen() or "ts" in bad


async def test_a_hostile_ticker_leaves_the_bar_running(dash: Hostile) -> None:
    tick = {"open": "1", "high": "1e400", "low": "-1", "close": "1e999999999"}
    tick |= {"vol": "1e400", "amount": "1", "rose": "1e999999"}
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        dash.market.push({"channel": TICKER, "ts": now_ms(), "tick": tick})
        good = {"open": "26000.00", "high": "27500.00", "low": "25900.00", "close": "27123.45"}
        good |= {"vol": "12.5", "amount": "338000", "rose": "0.0432"}
        dash.market.push({"channel": TICKER, "ts": now_ms(), "tick": good})
        await dash.until(lambda: "27,123.45" in dash.screen(), "the good ticker")
        dash.assert_clean()


# REST answers ----------------------------------------------------------------------------------


def rewrite(
    hostile: HostileServer, path: str, change: Callable[[Any], Any]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler that has the exchange answer, then hands the client `change(envelope)`."""

    async def handler(request: web.Request) -> web.Response:
        answer = await hostile.forward(request)
        body = change(answer.json())
        return web.Response(status=200, text=body, content_type="application/json")

    hostile.on(path, handler)
    return handler


async def test_an_absurd_balance_and_an_escaping_coin_name_are_not_shown(
    dash: Hostile, hostile: HostileServer
) -> None:
    def change(envelope: dict) -> str:
        coins = envelope["data"]["coin_list"]
        coins.append({"coin": "\x1b]0;pwned\x07\x1b[31mred", "normal": "1", "locked": "0"})
        coins.append({"coin": "doge", "normal": "1e400", "locked": "0", "btcValuatin": "0"})
        text = json.dumps(envelope)
        # The JSON number 1e400 too, which json.dumps cannot write.
        return text.replace('"normal": "1"', '"normal": 1e400', 1)

    rewrite(hostile, "/v1/account", change)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await dash.until(lambda: dash.app.account is not None, "balances")
        await dash.until(lambda: "USDT" in dash.screen(), "balances on screen")
        await dash.polls()  # a few more polls of the same answer
        dash.assert_clean()
        await dash.good_book("27006.00", "27005.00")


async def test_a_symbol_with_precision_1000000_does_not_spoil_the_good_ones(
    dash: Hostile, hostile: HostileServer
) -> None:
    def change(envelope: dict) -> str:
        bad = dict(envelope["data"][0])
        bad |= {"symbol": "badusdt", "base_coin": "bad", "price_precision": 1000000}
        envelope["data"].insert(0, bad)
        return json.dumps(envelope)

    rewrite(hostile, "/v1/symbols", change)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        assert dash.app.symbol is not None and dash.app.symbol.price_precision == 2
        dash.market.push(
            {
                "channel": "market_badusdt_ticker",
                "ts": now_ms(),
                "tick": {"open": "1", "high": "1", "low": "1", "close": "1.5"}
                | {"vol": "1", "amount": "1", "rose": "0.5"},
            }
        )
        await dash.good_book("27007.00", "27006.00")
        dash.assert_clean()


async def test_an_open_orders_count_of_a_billion_keeps_the_poller_bounded(
    dash: Hostile, hostile: HostileServer
) -> None:
    def change(envelope: dict) -> str:
        envelope["data"]["count"] = 10**9
        return json.dumps(envelope)

    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await place(dash, pilot)
        await dash.until(lambda: any(" open " in f" {r} " for r in dash.shown_orders()), "open")
        rewrite(hostile, "/v1/openOrders", change)
        seen = len(hostile.requests)
        await dash.until(
            lambda: polls_since(hostile, seen) >= 2, "two whole polls with a billion orders"
        )
        pages = pages_per_poll(hostile, seen)
        assert pages and max(pages) <= MAX_PAGES
        # An incomplete list proves nothing: our order is still shown open.
        assert [r for r in dash.shown_orders() if " open " in f" {r} "]
        dash.assert_clean()


def polls_since(hostile: HostileServer, start: int) -> int:
    return len(pages_per_poll(hostile, start))


def pages_per_poll(hostile: HostileServer, start: int) -> list[int]:
    """openOrders requests between consecutive account polls, for each whole poll."""
    paths = [path for _, path in hostile.requests[start:]]
    accounts = [i for i, path in enumerate(paths) if path == "/v1/account"]
    return [paths[a:b].count("/v1/openOrders") for a, b in itertools.pairwise(accounts)]


# Placing an order ------------------------------------------------------------------------------


async def place(dash: Hostile, pilot: Pilot, price: str = LOW_PRICE, amount: str = "0.01") -> None:
    """b, a price, Tab, an amount, Enter, then Enter on the confirmation."""
    await pilot.press("b", *price, "tab", *amount, "enter")
    await dash.until(lambda: dash.app.confirm.is_open, "confirm dialog")
    await pilot.press("enter")


def exchange_orders(hostile: HostileServer) -> list[Any]:
    return hostile.exchange.engine.open_orders("demo", SYMBOL)


GARBAGE_AFTER_EXECUTING = [
    pytest.param("<html>502 Bad Gateway</html>", id="not-json"),
    pytest.param("[]", id="json-not-an-envelope"),
    pytest.param('{"code":"0","msg":"suc","data":{}}', id="no-order-id"),
    pytest.param('{"code":"0","msg":"suc","data":{"order_id":"[/]x"}}', id="id-not-digits"),
    pytest.param('{"code":"0","msg":"suc","data":{"order_id":1e400}}', id="id-1e400"),
]


@pytest.mark.parametrize("body", GARBAGE_AFTER_EXECUTING)
async def test_an_executed_order_answered_with_garbage_ends_as_one_row_with_its_id(
    dash: Hostile, hostile: HostileServer, body: str
) -> None:
    async def executed_then_garbage(request: web.Request) -> web.Response:
        await hostile.forward(request)
        return web.Response(status=200, text=body, content_type="application/json")

    hostile.on("/v1/order", executed_then_garbage)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await place(dash, pilot)
        await dash.until(lambda: len(exchange_orders(hostile)) == 1, "executed")
        [order] = exchange_orders(hostile)
        await dash.until(
            lambda: [r.endswith(f"open {order.id}") for r in dash.shown_orders()] == [True],
            f"exactly one row, open {order.id}",
        )
        await dash.polls()  # several polls later: still one row, no ghost
        assert [r.endswith(f"open {order.id}") for r in dash.shown_orders()] == [True]
        assert len(exchange_orders(hostile)) == 1  # never resent
        dash.assert_clean()


async def test_a_lost_answer_shows_unknown_then_the_one_real_order(
    impatient: Hostile, hostile: HostileServer
) -> None:
    dash = impatient
    release = asyncio.Event()
    looked_up = asyncio.Event()
    order_lists = 0

    async def executed_then_slow(request: web.Request) -> web.Response:
        answer = await hostile.forward(request)
        await release.wait()  # past the client's deadline
        return web.Response(status=answer.status, body=answer.body)

    async def baseline_then_held(request: web.Request) -> web.Response:
        # The first allOrders is the baseline taken before the send; later ones (reconcile)
        # wait until the test has seen the row marked unknown.
        nonlocal order_lists
        order_lists += 1
        if order_lists > 1:
            await looked_up.wait()
        answer = await hostile.forward(request)
        return web.Response(status=answer.status, body=answer.body)

    hostile.on("/v1/order", executed_then_slow)
    hostile.on("/v1/allOrders", baseline_then_held)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await place(dash, pilot)
        await dash.until(lambda: len(exchange_orders(hostile)) == 1, "executed")
        [order] = exchange_orders(hostile)
        await dash.until(
            lambda: any(" unknown " in f" {r} " for r in dash.shown_orders()), "marked unknown"
        )
        looked_up.set()
        await dash.until(
            lambda: [r.endswith(f"open {order.id}") for r in dash.shown_orders()] == [True],
            "reconciled to the exchange's order, one row",
        )
        release.set()
        await dash.polls()  # several polls later: still exactly one row
        assert [r.endswith(f"open {order.id}") for r in dash.shown_orders()] == [True]
        assert len(exchange_orders(hostile)) == 1  # never resent
        dash.assert_clean()


async def test_a_placement_lost_before_it_executed_ends_not_placed(
    impatient: Hostile, hostile: HostileServer
) -> None:
    dash = impatient
    states: list[str] = []

    async def never_arrives(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=502, text="bad gateway")

    hostile.on("/v1/order", never_arrives)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await place(dash, pilot)

        def settled() -> bool:
            tracked = dash.app.tracker.all(SYMBOL)
            states.extend(o.state.value for o in tracked)
            return bool(tracked) and tracked[0].state is TrackedState.REJECTED

        await dash.until(settled, "proven not placed")
        assert "unknown" in states  # said honestly while it could not be known
        await dash.until(lambda: dash.shown_orders() == [], "no row left")
        message = dash.app.query_one("#form-message", Static)
        assert str(message.render()).startswith("Not placed: ")
        assert exchange_orders(hostile) == []
        dash.assert_clean()


async def test_a_refusal_with_markup_in_it_is_shown_as_text(
    dash: Hostile, hostile: HostileServer
) -> None:
    async def refused(request: web.Request) -> web.Response:
        await request.read()
        envelope = {"code": "110005", "msg": "[/][@click=app.quit]no funds[/]", "data": None}
        return web.json_response(envelope)

    hostile.on("/v1/order", refused)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await place(dash, pilot)
        message = dash.app.query_one("#form-message", Static)
        await dash.until(lambda: "no funds" in str(message.render()), "refusal shown")
        assert "[@click=app.quit]" in str(message.render())
        assert dash.shown_orders() == []
        await dash.good_book("27008.00", "27007.00")
        dash.assert_clean()


# Containment -----------------------------------------------------------------------------------


async def test_a_widget_that_cannot_format_shows_a_display_error_and_the_rest_updates(
    dash: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever slips past the gate: the ladder's failure stays in the ladder."""
    real = ladder_module.fmt_price

    def broken(value: Decimal, *args: Any, **kwargs: Any) -> str:
        if value == Decimal("31337"):
            raise ArithmeticError("a formatter bug")
        return real(value, *args, **kwargs)

    monkeypatch.setattr(ladder_module, "fmt_price", broken)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        dash.market.push(depth([["31337.00", "1.0"]], [["27000.00", "1.0"]]))
        await dash.until(lambda: DISPLAY_ERROR in dash.screen(), "the ladder's display error")
        assert dash.app.ladder.display_failure is not None
        dash.market.push(trades(trade(3001, price="27011.75")))
        await dash.until(lambda: "27,011.75" in dash.screen(), "the tape still updates")
        await dash.good_book("27009.00", "27008.00")
        await dash.until(lambda: DISPLAY_ERROR not in dash.screen(), "the ladder recovers")
        assert dash.app.is_running


async def test_a_handler_that_fails_on_server_data_is_reported_and_the_app_goes_on(
    dash: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual ends the app on an exception in a message handler; ours are contained."""
    real = dash.app.market.apply

    def apply(event: Any) -> None:
        if any(getattr(t, "id", "") == "4001" for t in getattr(event, "trades", ())):
            raise ValueError("a handler bug")
        real(event)

    monkeypatch.setattr(dash.app.market, "apply", apply)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        dash.market.push(trades(trade(4001)))
        await dash.until(lambda: DISPLAY_ERROR in dash.screen(), "the failure is reported")
        dash.market.push(trades(trade(4002, price="27012.50")))
        await dash.until(lambda: "27,012.50" in dash.screen(), "later pushes still shown")
        assert dash.app.is_running


# Past the gate ---------------------------------------------------------------------------------

HUGE = Decimal("1e400")
ENORMOUS = Decimal("1e999999999")
SHOWN_SAFELY = ("\x1b", "Traceback", "Internal error", "InvalidOperation", "Overflow")
"""Values that slip past the gate are shown marked (`1.00e400`, `?`), never as a crash."""


async def test_values_that_slip_past_the_gate_are_shown_marked_not_fatal(dash: Hostile) -> None:
    """The UI does not rely on the gate: model objects holding absurd values, handed straight
    to the app as a stream and the poller would, are drawn (marked) or contained."""
    from cdx.client.stream import DepthEvent, TickerEvent, TradesEvent
    from cdx.model.account import Account, Balance
    from cdx.model.book import Book
    from cdx.model.market import Ticker, Trade
    from cdx.model.order import Order, OrderStatus, OrderType, Side
    from cdx.ui.messages import AccountPolled, OpenOrdersPolled, StreamEventReceived

    app = dash.app
    async with app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        book = Book(
            asks=((HUGE, Decimal(1)), (Decimal("27001.00"), ENORMOUS)),
            bids=((Decimal("27000.00"), Decimal("-3")), (Decimal("1e-999999999"), HUGE)),
        )
        low = HUGE.copy_negate()
        ticker = Ticker(SYMBOL, 10**20, HUGE, HUGE, low, ENORMOUS, HUGE, HUGE, ENORMOUS)
        bad_trade = Trade("9" * 400, HUGE, ENORMOUS.copy_negate(), Side.SELL, 10**20)
        account = Account(
            (
                Balance("usdt", HUGE, ENORMOUS),
                Balance("\x1b[2J\x1b]0;x\x07", Decimal(1), Decimal(0)),
                Balance("btc", ENORMOUS.copy_negate(), HUGE),
            )
        )
        order = Order(
            "77", SYMBOL, Side.BUY, OrderType.LIMIT, HUGE, ENORMOUS, HUGE * 2, HUGE, HUGE,
            HUGE, "btc", OrderStatus.PART_FILLED, 10**20,
        )  # fmt: skip
        for message in (
            StreamEventReceived(DepthEvent(SYMBOL, 0, book)),
            StreamEventReceived(TickerEvent(ticker)),
            StreamEventReceived(TradesEvent(SYMBOL, (bad_trade,))),
            AccountPolled(account),
            OpenOrdersPolled(SYMBOL, (order,), app.tracker.token(), complete=False),
        ):
            app.post_message(message)
        await dash.until(lambda: "1.00e400" in dash.screen(), "the huge price, marked")
        await dash.until(lambda: app.tracker.get("77") is not None, "the polled order")
        for _ in range(3):  # several repaints of it all
            await dash.repainted()
        text = dash.screen()
        for bad in SHOWN_SAFELY:
            assert bad not in text, f"{bad!r} on screen:\n{text}"
        assert app.is_running
        await dash.good_book("27010.00", "27009.00")


async def test_a_coin_whose_entry_is_unreadable_shows_unknown_not_zero(
    dash: Hostile, hostile: HostileServer
) -> None:
    def change(envelope: dict) -> str:
        for coin in envelope["data"]["coin_list"]:
            if coin["coin"] == "btc":
                coin["normal"] = "1e400"
        return json.dumps(envelope)

    rewrite(hostile, "/v1/account", change)
    async with dash.app.run_test(size=(120, 40)) as pilot:
        await running(dash, pilot)
        await dash.until(lambda: "unreadable, see log" in dash.screen(), "the unreadable note")
        # The base coin keeps its row, but with unknown amounts instead of a false zero.
        assert re.search(r"│ BTC +\? +\?( +\?)* +│", dash.screen()), dash.screen()  # values too
        dash.assert_clean()
