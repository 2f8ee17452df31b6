"""The data age counts from the push's `ts`, corrected by the offset between the server's clock
and ours (issue 13): a server whose clock is 30 s ahead or behind makes nothing look stale or
fresh wrongly, and a push stamped 3 s before it arrived shows as 3 s old whatever the offset.

A front over the embedded exchange shifts every time stamp of the WebSocket (pushes, replies,
the server's pings) by `shift_ms`; the engine's REST keeps its own clock. The UI clock is a
`FakeClock` that never moves here, so every age seen comes from the stamps alone. A second test
runs the dashboard on an exchange whose whole clock is ahead (REST signing included: the client
corrects its offset from the `100006` refusal) and trades on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Static

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.model.order import OrderType, Side
from cdx.server.runner import SimConfig, start_exchange, wall_clock_ms
from cdx.ui.app import DashboardApp
from pilot_wait import until

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")
SHIFT_MS = 30_000


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ShiftedFront:
    """Relays the exchange's WebSocket with every server stamp moved by `shift_ms`, and
    `late_ms` more into the past (what the server sends is that old when it leaves);
    `drop_pongs` withholds the answers to our own pings (which prove currency without a
    clock)."""

    def __init__(self, upstream: str, shift_ms: int) -> None:
        self.upstream = upstream
        self.shift_ms = shift_ms
        self.late_ms = 0
        self.drop_pongs = False

    async def __call__(self, ws: web.WebSocketResponse, _: web.Request) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(self.upstream, autoping=False) as upstream,
        ):
            task = asyncio.create_task(self._down(upstream, ws))
            try:
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        await upstream.send_str(self._up(message.data))
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task

    def _up(self, text: str) -> str:
        """Our answer to a shifted server ping goes back as the server's own number."""
        sent = json.loads(text)
        if isinstance(sent.get("pong"), int) and sent["pong"] > 10**12:
            sent["pong"] -= self.shift_ms
        return json.dumps(sent)

    async def _down(
        self, upstream: aiohttp.ClientWebSocketResponse, ws: web.WebSocketResponse
    ) -> None:
        async for message in upstream:
            if message.type is not aiohttp.WSMsgType.BINARY:
                continue
            frame = json.loads(gzip.decompress(message.data))
            if "pong" in frame and self.drop_pongs:
                continue
            for key in ("ts", "ping"):
                if isinstance(frame.get(key), int):
                    frame[key] += self.shift_ms - self.late_ms
            await ws.send_bytes(gzip.compress(json.dumps(frame).encode()))


def marked_stale(app: DashboardApp) -> bool:
    app.repaint_now()
    return app.ladder.has_class("-stale") and app.ticker_bar.stale is not None


@pytest.mark.parametrize("shift_ms", [SHIFT_MS, -SHIFT_MS], ids=["server-ahead", "server-behind"])
async def test_a_shifted_server_clock_gives_the_right_age(hostile, shift_ms: int) -> None:
    front = ShiftedFront(hostile.exchange.ws_url, shift_ms)
    hostile.on_ws(front)
    clock = FakeClock()
    engine = hostile.exchange.engine
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.market.book(SYMBOL, app.step), "the first book")
            await until(pilot, lambda: app.account is not None, "the account")
            # The UI clock stands still: the age is only what the stamps say. 30 s of
            # offset, either way, is not age.
            app.repaint_now()
            age = app.market.data_age(SYMBOL)
            assert age is not None and age < 0.5
            assert not marked_stale(app)

            # Only stamped messages count from here (our pings go unanswered). A push that
            # left the server at once proves the data current: read with the wrong offset it
            # would look 30 s old and leave the data aging.
            front.drop_pongs = True
            clock.now += 1.5
            await push_a_level(pilot, app, engine, Decimal("0.01"))
            clock.now += 1.0
            assert not marked_stale(app)
            assert app.market.data_age(SYMBOL) == pytest.approx(1.0, abs=0.3)

            # Now the server's stamps are 4 s old when they arrive: 2.5 s of silence is
            # stale, and a late push must not make it look live (read with the wrong offset,
            # it would look new).
            front.late_ms = 4_000
            clock.now += 1.5
            await push_a_level(pilot, app, engine, Decimal("0.02"))
            assert marked_stale(app)
            assert app.market.data_age(SYMBOL) == pytest.approx(2.5, abs=0.3)
            assert "STALE 2s" in str(app.ladder.border_subtitle)

            front.late_ms = 0
            front.drop_pongs = False
            await until(pilot, lambda: not marked_stale(app), "live again once stamps are prompt")


async def push_a_level(pilot: Pilot, app: DashboardApp, engine: Any, below: Decimal) -> None:
    """More bids `below` the best: the exchange pushes the book; wait until it is in."""
    book = app.market.book(SYMBOL, app.step)
    assert book is not None and book.best_bid is not None
    price = book.best_bid - below

    def amount() -> Decimal:
        shown = app.market.book(SYMBOL, app.step)
        assert shown is not None
        return next((size for level, size in shown.bids if level == price), Decimal(0))

    before = amount()
    engine.place_order(
        "demo", SYMBOL, Side.BUY, OrderType.LIMIT, "0.500000", f"{price}", wall_clock_ms()
    )
    await until(pilot, lambda: amount() > before, "the pushed book with the new bids")


async def test_trading_on_an_exchange_whose_clock_is_ahead() -> None:
    """Clock 30 s ahead for REST and WebSocket alike: live, and an order goes through (the
    client learns the offset from the time refusal and signs with it)."""
    exchange = await start_exchange(
        SimConfig(seed=11, rate=0, clock=lambda: wall_clock_ms() + SHIFT_MS)
    )
    try:
        async with RestClient(exchange.rest_url, DEMO) as rest:
            app = DashboardApp(rest, exchange.ws_url, SYMBOL, clock=FakeClock(), poll_interval=0.2)
            async with app.run_test(size=(120, 40)) as pilot:
                await until(pilot, lambda: app.market.book(SYMBOL, app.step), "the first book")
                await until(pilot, lambda: app.account is not None, "the account")
                assert not marked_stale(app)
                book = app.market.book(SYMBOL, app.step)
                assert book is not None and book.best_bid is not None
                price = book.best_bid - Decimal("500.00")
                await pilot.press("b", *str(price), "tab", *"0.01", "enter")
                await until(pilot, lambda: app.confirm.is_open, "confirmation")
                await pilot.press("enter")
                await until(
                    pilot,
                    lambda: len(exchange.engine.open_orders("demo", SYMBOL)) == 1,
                    "the order on the exchange",
                )
                message = str(app.form.query_one("#form-message", Static).render())
                assert "stale" not in message
                assert rest.clock_offset_ms == pytest.approx(SHIFT_MS, abs=2_000)
    finally:
        await exchange.stop()
