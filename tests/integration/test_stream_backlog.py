"""A stream that falls behind drops to the newest snapshot per channel, and tells the true age.

Real sockets: the `hostile` front scripts the WebSocket, its frames written from PROTOCOL.md
(`gzip_frame`), not by our encoder. The stream's clock is a fake one moved by the test; no
assertion depends on how long anything took.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cdx.client.stream import (
    ConnectionState,
    DepthEvent,
    HeartbeatEvent,
    MarketStream,
    StreamEvent,
    TickerEvent,
    TradesEvent,
)
from cdx.protocol import channels
from cdx.ui.state import MarketState

WAIT = 10.0
"""Seconds an expected event may take before a test fails (a bound, not a measurement)."""

SYMBOL = "btcusdt"
DEPTH = channels.depth(SYMBOL, 0)
TICKER = channels.ticker(SYMBOL)
TRADES = channels.trade(SYMBOL)
T0 = 1_700_000_000_000
BURST = 300

Gzip = Callable[[Any], bytes]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Events:
    """Stream events in order, and waiting for the first that matches."""

    def __init__(self) -> None:
        self.seen: list[StreamEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: StreamEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    async def until(self, match: Callable[[StreamEvent], bool], what: str) -> StreamEvent:
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    for event in self.seen:
                        if match(event):
                            return event
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no event: {what}") from None

    def of(self, kind: type) -> list[Any]:
        return [event for event in self.seen if isinstance(event, kind)]


def depth(ts: int, price: int) -> dict[str, Any]:
    return {
        "channel": DEPTH,
        "ts": ts,
        "tick": {"asks": [[f"{price + 1}.00", "1.5"]], "buys": [[f"{price}.00", "2"]]},
    }


def ticker(ts: int, close: int) -> dict[str, Any]:
    value = f"{close}.00"
    tick = dict.fromkeys(("open", "high", "low", "close"), value)
    tick.update(vol="1", amount="1", rose="0")
    return {"channel": TICKER, "ts": ts, "tick": tick}


def trade(ts: int, trade_id: int) -> dict[str, Any]:
    row = {"id": str(trade_id), "side": "BUY", "price": "100.00", "vol": "1", "amount": "100"}
    return {"channel": TRADES, "ts": ts, "tick": {"data": [{**row, "ts": ts}]}}


async def subscriptions(ws: web.WebSocketResponse, count: int) -> None:
    """Answer the client's first `count` subscriptions (with a server time: T0)."""
    answered = 0
    async for message in ws:
        if message.type is not aiohttp.WSMsgType.TEXT:
            continue
        sent = json.loads(message.data)
        if sent.get("event") == "sub":
            channel = sent["params"]["channel"]
            reply = {"event_rep": "subed", "channel": channel, "ts": T0, "status": "ok"}
            await ws.send_str(json.dumps(reply))
            answered += 1
            if answered == count:
                return


async def until_closed(ws: web.WebSocketResponse) -> None:
    async for _ in ws:
        pass


@pytest.fixture
async def running() -> AsyncIterator[Callable[..., MarketStream]]:
    started: list[tuple[MarketStream, asyncio.Task[None]]] = []

    def start(url: str, on_event: Callable[[StreamEvent], None], **options: Any) -> MarketStream:
        market = MarketStream(url, on_event, rng=random.Random(3), **options)
        for channel in (DEPTH, TICKER, TRADES):
            market.subscribe(channel)
        started.append((market, asyncio.create_task(market.run())))
        return market

    yield start
    for market, task in started:
        market.stop()
        async with asyncio.timeout(WAIT):
            await task
        assert market.state is ConnectionState.STOPPED


async def test_a_burst_of_snapshots_reaches_the_consumer_as_the_newest_one(
    hostile: Any, gzip_frame: Gzip, running: Callable[..., MarketStream]
) -> None:
    """Hundreds of depth and ticker pushes at once: the consumer gets the newest of each,
    not every one in order; every trade of the burst still arrives, in order."""

    async def burst(ws: web.WebSocketResponse, _: web.Request) -> None:
        await subscriptions(ws, 3)
        frames = []
        for n in range(BURST):
            frames.append(gzip_frame(depth(T0 + n, 1000 + n)))
            frames.append(gzip_frame(ticker(T0 + n, 1000 + n)))
            if n % 10 == 0:
                frames.append(gzip_frame(trade(T0 + n, 1 + n)))
        for frame in frames:  # written back to back: they arrive as one backlog
            await ws.send_bytes(frame)
        await until_closed(ws)

    hostile.on_ws(burst)
    events = Events()
    running(hostile.ws_url, events)
    last = T0 + BURST - 1
    newest = await events.until(
        lambda e: isinstance(e, DepthEvent) and e.book.time == last, "the newest depth push"
    )
    await events.until(
        lambda e: isinstance(e, TickerEvent) and e.ticker.time == last, "the newest ticker"
    )
    await events.until(
        lambda e: isinstance(e, TradesEvent) and e.trades[0].id == str(BURST - 9),
        "the last trade",
    )
    books = events.of(DepthEvent)
    assert books[-1] is newest
    assert str(newest.book.best_bid) == f"{1000 + BURST - 1}.00"
    assert len(books) < BURST // 10, "the backlog was handed over push by push"
    assert len(events.of(TickerEvent)) < BURST // 10
    assert [t.book.time for t in books] == sorted(t.book.time for t in books)
    trades = [trade.id for event in events.of(TradesEvent) for trade in event.trades]
    assert trades == [str(1 + n) for n in range(0, BURST, 10)]


async def test_a_late_ladder_shows_its_age_from_ts_not_from_arrival(
    hostile: Any, gzip_frame: Gzip, running: Callable[..., MarketStream]
) -> None:
    """The server's ping at T0 arrives at once; a depth push it sent 100 ms later arrives 30 s
    later (a slow link): the event says it was ~29.9 s old, and the dashboard calls it stale
    from the first moment, though a message has just arrived."""
    clock = FakeClock()
    delivered = asyncio.Event()

    async def slow_link(ws: web.WebSocketResponse, _: web.Request) -> None:
        await subscriptions(ws, 3)
        await ws.send_bytes(gzip_frame({"ping": T0}))
        await delivered.wait()
        await ws.send_bytes(gzip_frame(depth(T0 + 100, 1000)))
        await until_closed(ws)

    hostile.on_ws(slow_link)
    events = Events()
    running(hostile.ws_url, events, clock=clock)
    ping = await events.until(lambda e: isinstance(e, HeartbeatEvent), "the server's ping")
    assert ping.lag == 0.0  # the quickest message so far: it sets the clock offset
    clock.now += 30.0
    delivered.set()
    late = await events.until(lambda e: isinstance(e, DepthEvent), "the late depth push")
    assert late.book.time == T0 + 100
    assert late.lag == pytest.approx(29.9, abs=0.05)

    ui_clock = FakeClock()
    state = MarketState(ui_clock)
    state.apply(ping)
    ui_clock.now += 30.0  # the UI saw the ping when it arrived, the push 30 s later
    state.apply(late)
    age = state.data_age(SYMBOL)
    assert age is not None and age == pytest.approx(29.9, abs=0.05)
    ui_clock.now += 0.5
    assert state.data_age(SYMBOL) == pytest.approx(30.4, abs=0.05)
