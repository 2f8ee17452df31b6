"""What the dashboard says about its market feed: stale after 1 s of silence, a refused feed
named until the server accepts it, live again after recovery (issue 10, families 5 and 6).

`MarketState` and the status bar are tested alone with a fake clock; the pilot runs the whole
dashboard against the `hostile` front, whose WebSocket is a relay to the embedded exchange
that a test can make refuse depth subscriptions or withhold everything (a stall).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web
from rich.text import Text
from textual.app import App, ComposeResult

from cdx.client.rest import RestClient
from cdx.client.stream import (
    ConnectionState,
    DepthEvent,
    HeartbeatEvent,
    StatusEvent,
    SubscriptionEvent,
)
from cdx.model.book import Book
from cdx.protocol import channels
from cdx.ui import STYLES_DIR
from cdx.ui.app import DashboardApp
from cdx.ui.state import MarketState, Part
from cdx.ui.widgets.status_bar import StatusBar
from pilot_wait import until

SYMBOL = "btcusdt"
DEPTH = channels.depth(SYMBOL, 0)


class FakeClock:
    """The UI clock, moved only by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def book() -> Book:
    return Book(asks=((Decimal(101), Decimal(1)),), bids=((Decimal(100), Decimal(2)),))


# ---------------------------------------------------------------- MarketState


def test_heartbeats_keep_a_quiet_markets_data_current() -> None:
    clock = FakeClock()
    state = MarketState(clock)
    state.apply(DepthEvent(SYMBOL, 0, book()))
    clock.now += 0.8
    state.apply(HeartbeatEvent())  # a pong: nothing changed, the server is there
    clock.now += 0.5
    assert state.data_age(SYMBOL) == 0.5


def test_heartbeats_alone_are_not_data_for_a_symbol() -> None:
    state = MarketState(FakeClock())
    state.apply(HeartbeatEvent())
    assert state.data_age(SYMBOL) is None


def test_silence_ages_the_data() -> None:
    clock = FakeClock()
    state = MarketState(clock)
    state.apply(DepthEvent(SYMBOL, 0, book()))
    clock.now += 1.25
    assert state.data_age(SYMBOL) == 1.25


def test_refused_feed_is_named_until_the_server_accepts_it() -> None:
    state = MarketState(FakeClock())
    state.apply(SubscriptionEvent(DEPTH, "depth service restarting"))
    assert state.take_dirty().has("", Part.CONNECTION)
    assert state.feed_problem(SYMBOL) == "ladder feed refused: depth service restarting; retrying"
    state.apply(SubscriptionEvent(DEPTH, None))
    assert state.take_dirty().has("", Part.CONNECTION)
    assert state.feed_problem(SYMBOL) == ""


def test_the_current_symbols_refusal_comes_first_and_others_are_counted() -> None:
    state = MarketState(FakeClock())
    state.apply(SubscriptionEvent(channels.ticker("ethusdt"), "unknown symbol"))
    assert state.feed_problem(SYMBOL) == "ETHUSDT ticker feed refused: unknown symbol; retrying"
    state.apply(SubscriptionEvent(channels.trade(SYMBOL), "busy"))
    assert state.feed_problem(SYMBOL) == "trades feed refused: busy; retrying (+1 more)"


def test_a_new_stream_forgets_the_old_streams_refusals() -> None:
    state = MarketState(FakeClock())
    state.apply(SubscriptionEvent(DEPTH, "busy"))
    state.apply(StatusEvent(ConnectionState.RECONNECTING, "closed"))
    assert state.feed_problem(SYMBOL)  # the same stream resubscribes and will say
    state.apply(StatusEvent(ConnectionState.CONNECTING, "connecting"))
    assert state.feed_problem(SYMBOL) == ""


# ---------------------------------------------------------------- status bar


class CountingStatusBar(StatusBar):
    """A status bar that counts how often it is drawn."""

    renders = 0

    def render(self) -> Text:
        self.renders += 1
        return super().render()


class Host(App[None]):
    CSS_PATH = STYLES_DIR / "widgets.tcss"

    def __init__(self, bar: StatusBar) -> None:
        super().__init__()
        self.bar = bar

    def compose(self) -> ComposeResult:
        yield self.bar


async def test_status_bar_names_a_refused_feed_in_the_warning_style() -> None:
    bar = StatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_connection(ConnectionState.CONNECTED)
        bar.set_data_age(0.2)
        bar.set_feed_problem("ladder feed refused: busy; retrying")
        await pilot.pause()
        text = bar.render()
        assert "CONNECTED" in text.plain
        assert "ladder feed refused: busy; retrying" in text.plain
        warn = bar.get_component_rich_style("status-bar--warn")

        def style_at(word: str) -> object:
            start = text.plain.index(word)
            return next(s.style for s in text.spans if s.start <= start < s.end)

        assert style_at("ladder feed") == warn
        assert style_at("CONNECTED") == warn  # connected, but not to everything shown
        bar.set_feed_problem("")
        await pilot.pause()
        assert "refused" not in bar.render().plain


async def test_status_bar_repaints_only_when_what_it_shows_changes() -> None:
    """The app sets the age ten times a second; a repaint costs only when the text changes."""
    bar = CountingStatusBar()
    async with Host(bar).run_test(size=(120, 2)) as pilot:
        bar.set_data_age(0.31)
        await pilot.pause()
        drawn = bar.renders
        for age in (0.32, 0.5, 0.94, 0.0, 1.0):  # all shown as "data live"
            bar.set_data_age(age)
            bar.set_feed_problem("")
            await pilot.pause()
        assert bar.renders == drawn
        bar.set_data_age(1.2)
        await pilot.pause()
        assert bar.renders > drawn
        assert "stale 1s" in bar.render().plain and bar.has_class("-stale")


# ---------------------------------------------------------------- the dashboard


class Relay:
    """A WebSocket front over the embedded exchange that refuses or withholds on demand.

    `refuse`: substrings of channels whose `sub` is refused (as PROTOCOL.md section 6 words a
    refusal); `stalled`: while set, nothing reaches the client (pushes, replies, pongs), the
    socket stays open; `withheld` counts what was dropped.
    """

    def __init__(self, upstream: str, gzip_frame: Callable[[Any], bytes]) -> None:
        self.upstream = upstream
        self.gzip_frame = gzip_frame
        self.refuse: set[str] = set()
        self.refused = 0
        self.stalled = False
        self.withheld = 0
        self.forwarded_pongs = 0

    async def __call__(self, ws: web.WebSocketResponse, _: web.Request) -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(self.upstream, autoping=False) as upstream,
        ):
            task = asyncio.create_task(self._down(upstream, ws))
            try:
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        continue
                    request = json.loads(message.data)
                    params = request.get("params") or {}
                    channel = params.get("channel", "")
                    if request.get("event") == "sub" and any(r in channel for r in self.refuse):
                        self.refused += 1
                        refusal = {
                            "event_rep": "sub",
                            "channel": channel,
                            "status": "error",
                            "err_msg": "depth service restarting",
                        }
                        await ws.send_bytes(self.gzip_frame(refusal))
                        continue
                    await upstream.send_str(message.data)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task

    async def _down(
        self, upstream: aiohttp.ClientWebSocketResponse, ws: web.WebSocketResponse
    ) -> None:
        async for message in upstream:
            if message.type is not aiohttp.WSMsgType.BINARY:
                continue
            if self.stalled:
                self.withheld += 1
                continue
            if gzip.decompress(message.data).startswith(b'{"pong"'):
                self.forwarded_pongs += 1
            await ws.send_bytes(message.data)


def shown(app: DashboardApp) -> str:
    return app.status_bar.render().plain


async def test_status_bar_shows_a_refused_feed_then_stale_data_then_live_again(
    hostile, gzip_frame
) -> None:
    relay = Relay(hostile.exchange.ws_url, gzip_frame)
    relay.refuse = {"_depth_"}
    hostile.on_ws(relay)
    clock = FakeClock()
    loop = asyncio.get_running_loop()
    async with RestClient(hostile.rest_url) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, clock=clock)
        async with app.run_test(size=(160, 40)) as pilot:
            # Family 6: the ladder's feed is refused; the bar says so while CONNECTED.
            refused = "ladder feed refused: depth service restarting; retrying"
            await until(pilot, lambda: refused in shown(app), "the refused feed named")
            assert "CONNECTED" in shown(app)
            assert app.market.book(SYMBOL, app.step) is None
            relay.refuse.clear()  # the stream's own retry gets the feed back
            await until(
                pilot,
                lambda: (
                    app.market.book(SYMBOL, app.step) is not None and "refused" not in shown(app)
                ),
                "the ladder fed again",
            )
            assert relay.refused >= 1
            await until(pilot, lambda: "data live" in shown(app), "live data")

            # A stall: once nothing has reached the client for a while, time passes.
            relay.stalled = True
            await until(pilot, lambda: relay.withheld >= 1, "a message withheld")
            await pilot.pause()
            clock.now += 0.9
            await until(pilot, lambda: "data live" in shown(app), "data still current at 0.9 s")
            assert not app.status_bar.has_class("-stale")
            clock.now += 0.2
            await until(pilot, lambda: "stale 1s" in shown(app), "stale data marked after 1 s")
            assert app.status_bar.has_class("-stale")

            # Recovery: the next message (a pong to the stream's own ping) makes it live.
            recovered_at = loop.time()
            relay.stalled = False
            await until(pilot, lambda: "data live" in shown(app), "live again")
            assert loop.time() - recovered_at < 2.0
            assert not app.status_bar.has_class("-stale")


async def test_a_quiet_healthy_market_never_looks_stale(hostile, gzip_frame) -> None:
    """The embedded market behind `hostile` is still: no pushes after the snapshots. The
    stream's own pings (every 0.5 s of quiet) keep the data current on the real clock."""
    relay = Relay(hostile.exchange.ws_url, gzip_frame)
    hostile.on_ws(relay)
    async with RestClient(hostile.rest_url) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL)
        async with app.run_test(size=(160, 40)) as pilot:
            await until(
                pilot, lambda: app.market.book(SYMBOL, app.step) is not None, "the first book"
            )
            seen_stale = False
            start = relay.forwarded_pongs

            def watched() -> bool:
                nonlocal seen_stale
                seen_stale = seen_stale or "stale" in shown(app)
                return relay.forwarded_pongs >= start + 4

            await until(pilot, watched, "four pongs (two seconds of quiet)")
            assert not seen_stale
            assert "data " in shown(app)
