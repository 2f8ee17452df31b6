"""Stale means stop (issue 13): when the server goes away, the ladder and ticker dim and say
STALE, the form refuses to send with the reason, cancels stay possible, and once the server is
back everything is live again and what changed on the exchange meanwhile is announced.

The server is the `hostile` front over the embedded exchange, switched off and on by `Outage`:
while off, every REST answer is a 503 (`100002`) and every WebSocket is cut at once (as a
server that is down behind its load balancer answers). The UI's clock is a `FakeClock`, so the
data age the refusal quotes is the one the test set, and nothing waits for a real second.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Static

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.client.tracker import TrackedState
from cdx.model.order import OrderType, Side
from cdx.ui.app import DashboardApp
from pilot_wait import until

if TYPE_CHECKING:
    from conftest import HostileServer

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")
ORDER_PATH = "/v1/order"
REST_PATHS = (
    "/v1/symbols",
    "/v1/ticker",
    "/v1/depth",
    "/v1/trades",
    "/v1/klines",
    "/v1/account",
    "/v1/showOrder",
    "/v1/openOrders",
    "/v1/allOrders",
    "/v1/myTrades",
    ORDER_PATH,
    "/v1/orders/cancel",
    "/v1/cancelAllOrders",
)
DOWN = b'{"code":"100002","msg":"service unavailable, try later","data":null}'
STALE_REFUSAL = re.compile(r"Book is \d+\.\d s old \(stale[^)]*\): not sending; wait for live data")


class FakeClock:
    """The UI clock, moved only by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Outage:
    """Switches the `hostile` front's whole server off (503s, sockets cut) and on again."""

    def __init__(self, hostile: HostileServer) -> None:
        self.hostile = hostile
        self.down = False
        self.stream_down = False
        self._sockets: set[web.WebSocketResponse] = set()
        for path in REST_PATHS:
            hostile.on(path, self._rest)
        hostile.on_ws(self._ws)

    async def off(self, *, stream: bool = True) -> None:
        """Down: REST answers 503; with `stream`, the WebSocket too (else it stays live)."""
        self.down = True
        self.stream_down = stream
        if not stream:
            return
        for ws in list(self._sockets):
            with contextlib.suppress(ConnectionError):
                await ws.close()

    def on(self) -> None:
        self.down = self.stream_down = False

    def sent(self, path: str) -> int:
        """Requests for `path` that reached the front (while up or down)."""
        return sum(1 for _, p in self.hostile.requests if p == path)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            return web.Response(status=503, body=DOWN, content_type="application/json")
        answer = await self.hostile.forward(request)
        keep = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-ratelimit")}
        return web.Response(
            status=answer.status, body=answer.body, headers=keep, content_type="application/json"
        )

    async def _ws(self, ws: web.WebSocketResponse, _: web.Request) -> None:
        if self.stream_down:
            return  # closed at once by the front
        self._sockets.add(ws)
        try:
            await self.hostile._relay(ws)
        finally:
            self._sockets.discard(ws)


def stale(app: DashboardApp) -> bool:
    """What the user sees: the ladder dimmed and labelled, the ticker saying STALE."""
    return (
        app.ladder.has_class("-stale")
        and "STALE" in str(app.ladder.border_subtitle)
        and app.ticker_bar.has_class("-stale")
        and "STALE" in app.ticker_bar.render().plain
    )


def live(app: DashboardApp) -> bool:
    return (
        not app.ladder.has_class("-stale")
        and not app.ticker_bar.has_class("-stale")
        and "STALE" not in app.ticker_bar.render().plain
    )


def form_message(app: DashboardApp) -> str:
    return str(app.form.query_one("#form-message", Static).render())


def notices(app: DashboardApp) -> list[str]:
    """What the user was told, each message without its title."""
    return [notice.text for notice in app.told()]


async def ready(pilot: Pilot, app: DashboardApp) -> None:
    await until(
        pilot,
        lambda: app.market.book(SYMBOL, app.step) is not None and app.account is not None,
        "book and account",
    )
    app.repaint_now()
    await until(pilot, lambda: live(app), "live data")


def far_bid(app: DashboardApp) -> Decimal:
    book = app.market.book(SYMBOL, app.step)
    assert book is not None and book.best_bid is not None
    return book.best_bid - Decimal("500.00")


async def fill_buy_form(pilot: Pilot, price: Decimal, amount: str = "0.01") -> None:
    await pilot.press("b", *str(price), "tab", *amount)


async def test_stopped_server_dims_ladder_and_ticker_and_enter_refuses(hostile) -> None:
    outage = Outage(hostile)
    clock = FakeClock()
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            price = far_bid(app)

            await outage.off()
            await until(pilot, lambda: stale(app), "ladder and ticker marked STALE")
            clock.now += 3.4  # the book is now 3.4 s old as the UI counts
            await fill_buy_form(pilot, price)
            await pilot.press("enter")
            await pilot.pause()
            assert not app.confirm.is_open
            assert STALE_REFUSAL.search(form_message(app)), form_message(app)
            assert "3.4 s old" in form_message(app)
            assert "STALE 3s" in str(app.ladder.border_subtitle)
            assert outage.sent(ORDER_PATH) == 0
            assert hostile.exchange.engine.open_orders("demo", SYMBOL) == []

            # The server comes back: live again, and the same Enter now places the order.
            outage.on()
            await until(pilot, lambda: live(app), "ladder and ticker live again")
            assert "not sending" not in form_message(app)  # the refusal goes with the cause
            await pilot.press("enter")
            await until(pilot, lambda: app.confirm.is_open, "confirmation")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: len(hostile.exchange.engine.open_orders("demo", SYMBOL)) == 1,
                "the order on the exchange",
            )


async def test_silence_past_two_seconds_is_stale_and_a_push_makes_it_live(hostile) -> None:
    """No disconnect at all: the age alone (on the UI's clock) crosses the rule."""
    outage = Outage(hostile)
    clock = FakeClock()
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await outage.off()  # no message can make the data current any more
            await until(pilot, lambda: stale(app), "stale once the link is cut")
            outage.on()
            await until(pilot, lambda: live(app), "live after reconnecting")
            assert app.market.staleness(SYMBOL) is None
            clock.now += 1.9
            app.repaint_now()
            assert live(app)
            # A still market: only the stream's pings keep the data current, and the UI
            # clock has run ahead of them: past 2 s without a newer proof, it is stale.
            clock.now += 10.0
            app.repaint_now()
            assert stale(app)
            assert "STALE" in app.ticker_bar.render().plain
            await until(pilot, lambda: live(app), "the next pong makes it live")


async def test_a_dialog_confirmed_after_the_feed_went_stale_sends_nothing(hostile) -> None:
    outage = Outage(hostile)
    clock = FakeClock()
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await fill_buy_form(pilot, far_bid(app))
            await pilot.press("enter")
            await until(pilot, lambda: app.confirm.is_open, "confirmation")

            await outage.off()
            await until(pilot, lambda: stale(app), "stale while the dialog is open")
            await pilot.press("enter")  # confirm
            await until(pilot, lambda: not app.confirm.is_open, "dialog closed")
            assert STALE_REFUSAL.search(form_message(app)), form_message(app)
            assert any("not sending" in text for text in notices(app))
            assert outage.sent(ORDER_PATH) == 0
            assert app.tracker.live(SYMBOL) == []


async def test_a_market_order_is_refused_too_and_a_cancel_still_goes_out(hostile) -> None:
    outage = Outage(hostile)
    clock = FakeClock()
    engine = hostile.exchange.engine
    resting = engine.place_order(
        "demo", SYMBOL, Side.BUY, OrderType.LIMIT, "0.010000", "1000.00", int(time.time() * 1000)
    )
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await until(pilot, lambda: app.orders.row_count == 1, "the resting order listed")

            # Only the stream goes quiet: REST still answers, so a cancel can reach it.
            hostile.on_ws(lambda ws, request: asyncio.sleep(0))
            for ws in list(outage._sockets):
                await ws.close()
            await until(pilot, lambda: stale(app), "stale")
            await pilot.press("B", "2", "0", "enter")
            await pilot.pause()
            assert not app.confirm.is_open
            assert "not sending" in form_message(app)
            assert outage.sent(ORDER_PATH) == 0

            await pilot.press("escape")
            app.orders.focus()
            await pilot.press("c")
            await until(
                pilot,
                lambda: engine.get_order("demo", SYMBOL, resting.id).status.is_final,
                "the cancel reached the exchange while stale",
            )


async def test_orders_that_changed_while_disconnected_are_announced(hostile) -> None:
    outage = Outage(hostile)
    engine = hostile.exchange.engine
    now = int(time.time() * 1000)
    buy = ("demo", SYMBOL, Side.BUY, OrderType.LIMIT, "0.010000")
    doomed = engine.place_order(*buy, "1000.00", now)
    kept = engine.place_order(*buy, "1001.00", now)
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await until(pilot, lambda: app.orders.row_count == 2, "both orders listed")

            await outage.off()
            await until(pilot, lambda: stale(app) and app._last_poll_error, "the outage seen")
            engine.cancel_order("demo", SYMBOL, doomed.id, int(time.time() * 1000))
            born = engine.place_order(
                "demo", SYMBOL, Side.SELL, OrderType.LIMIT, "0.010000", "90000.00", now
            )
            outage.on()
            await until(
                pilot,
                lambda: any(f"Order {doomed.id} " in text for text in notices(app)),
                "the cancelled order announced",
            )
            await until(
                pilot,
                lambda: any(f"Order {born.id} " in text for text in notices(app)),
                "the new order announced",
            )
            texts = notices(app)
            assert f"Order {doomed.id} BUY 1,000.00 was cancelled" in texts
            assert f"Order {born.id} SELL 90,000.00 appeared (placed elsewhere)" in texts
            assert not any(f"Order {kept.id} " in text for text in texts)
            await until(pilot, lambda: live(app), "live again")
            cancelled = [o for o in app.tracker.all(SYMBOL) if o.order_id == doomed.id]
            assert [o.state for o in cancelled] == [TrackedState.CANCELLED]


async def test_an_order_cancelled_while_the_account_poll_failed_is_announced(hostile) -> None:
    """Only REST is down (the market stream stays live): the poll's recovery is the reconnect."""
    outage = Outage(hostile)
    engine = hostile.exchange.engine
    now = int(time.time() * 1000)
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            book = app.market.book(SYMBOL, app.step)
            assert book is not None and book.best_ask is not None
            ask = book.best_ask + Decimal("1000.00")
            resting = engine.place_order(
                "demo", SYMBOL, Side.SELL, OrderType.LIMIT, "0.010000", f"{ask}", now
            )
            await until(pilot, lambda: app.orders.row_count == 1, "the order listed")

            await outage.off(stream=False)
            await until(pilot, lambda: bool(app._last_poll_error), "the poll failing")
            engine.cancel_order("demo", SYMBOL, resting.id, int(time.time() * 1000))
            outage.on()
            await until(
                pilot,
                lambda: f"Order {resting.id} SELL {ask:,.2f} was cancelled" in notices(app),
                "the cancelled order announced",
            )
