"""The market stream against the embedded exchange: live pushes, a dropped connection, a
corrupt frame, a silent server, a depth step switch and one-shot requests."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import random
from collections.abc import AsyncIterator, Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve

from cdx.client.errors import ApiError
from cdx.client.stream import (
    ConnectionState,
    DepthEvent,
    KlineEvent,
    MarketStream,
    StatusEvent,
    StreamEvent,
    SubscriptionEvent,
    TickerEvent,
    TradesEvent,
)
from cdx.model.market import Kline, Trade
from cdx.protocol import channels
from cdx.server.runner import SimConfig, start_exchange

WAIT = 10.0  # seconds an expected event may take before the test fails


class Events:
    """Collects stream events and lets a test wait for the first one that matches."""

    def __init__(self) -> None:
        self.seen: list[StreamEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: StreamEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    async def next(self, match: Callable[[StreamEvent], bool]) -> StreamEvent:
        """The first event after now that matches."""
        start = len(self.seen)
        async with asyncio.timeout(WAIT):
            while True:
                for event in self.seen[start:]:
                    if match(event):
                        return event
                start = len(self.seen)
                self._changed.clear()
                await self._changed.wait()


def state_is(state: ConnectionState) -> Callable[[StreamEvent], bool]:
    return lambda e: isinstance(e, StatusEvent) and e.state is state


def depth_of(step: int) -> Callable[[StreamEvent], bool]:
    return lambda e: isinstance(e, DepthEvent) and e.step == step


def is_ticker(e: StreamEvent) -> bool:
    return isinstance(e, TickerEvent)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
async def stream(exchange, events) -> AsyncIterator[MarketStream]:
    market = MarketStream(
        exchange.ws_url,
        events,
        silence_timeout=1.0,
        backoff_initial=0.05,
        backoff_max=0.2,
        rng=random.Random(1),
    )
    task = asyncio.create_task(market.run())
    yield market
    market.stop()
    async with asyncio.timeout(WAIT):
        await task
    assert market.state is ConnectionState.STOPPED


async def test_pushes_arrive_as_model_events(stream, events) -> None:
    for name in (
        channels.ticker("btcusdt"),
        channels.depth("btcusdt", 0),
        channels.trade("btcusdt"),
        channels.kline("btcusdt", "1min"),
    ):
        stream.subscribe(name)
    ticker = await events.next(is_ticker)
    assert ticker.ticker.symbol == "btcusdt"
    depth = await events.next(depth_of(0))
    assert depth.book.best_bid < depth.book.best_ask
    trades = await events.next(lambda e: isinstance(e, TradesEvent) and bool(e.trades))
    assert all(t.price > 0 for t in trades.trades)
    kline = await events.next(lambda e: isinstance(e, KlineEvent))
    assert kline.interval == "1min"
    assert stream.last_message_at is not None


async def test_dropped_connection_comes_back_resubscribed(stream, events, exchange) -> None:
    stream.subscribe(channels.ticker("btcusdt"))
    stream.subscribe(channels.depth("ethusdt", 1))
    await events.next(depth_of(1))
    exchange.faults.drop_ws_next = True
    await events.next(state_is(ConnectionState.RECONNECTING))
    await events.next(state_is(ConnectionState.CONNECTED))
    await events.next(depth_of(1))
    await events.next(is_ticker)


async def test_corrupt_frame_is_logged_and_skipped(stream, events, exchange, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="cdx.client.stream")
    stream.subscribe(channels.depth("btcusdt", 0))
    await events.next(depth_of(0))
    exchange.faults.corrupt_next_frames = 1
    await events.next(depth_of(0))
    await events.next(depth_of(0))
    assert any("malformed frame" in r.getMessage() for r in caplog.records)
    assert not any(state_is(ConnectionState.RECONNECTING)(e) for e in events.seen)


async def test_silent_server_is_treated_as_dead(stream, events, exchange) -> None:
    stream.subscribe(channels.ticker("btcusdt"))
    await events.next(is_ticker)
    exchange.faults.stall_ws = True
    lost = await events.next(state_is(ConnectionState.RECONNECTING))
    assert "no message for 1 s" in lost.detail
    exchange.faults.stall_ws = False
    await events.next(state_is(ConnectionState.CONNECTED))
    await events.next(is_ticker)


async def test_switching_depth_step_keeps_the_connection(stream, events) -> None:
    stream.subscribe(channels.depth("btcusdt", 0))
    await events.next(depth_of(0))
    stream.unsubscribe(channels.depth("btcusdt", 0))
    stream.subscribe(channels.depth("btcusdt", 2))
    mark = len(events.seen)
    first = await events.next(depth_of(2))
    assert first.book.best_ask == first.book.best_ask.to_integral_value()  # 1.00 buckets
    await events.next(depth_of(2))
    after = events.seen[events.seen.index(first) + 1 :]
    assert not any(isinstance(e, DepthEvent) and e.step == 0 for e in after)
    assert not any(isinstance(e, StatusEvent) for e in events.seen[mark:])
    assert stream.channels == (channels.depth("btcusdt", 2),)


async def test_one_shot_requests_return_klines_and_trades(stream) -> None:
    bars = await stream.request(channels.kline("btcusdt", "1min"))
    assert bars and all(isinstance(bar, Kline) for bar in bars)
    assert bars == sorted(bars, key=lambda bar: bar.open_time)
    trades = await stream.request(channels.trade("btcusdt"))
    assert 0 < len(trades) <= 50 and all(isinstance(t, Trade) for t in trades)


async def test_refused_subscription_is_reported_and_kept(stream, events) -> None:
    """The server's reason reaches the consumer; the channel stays wanted (and is retried:
    tests/integration/test_stream_recovery.py)."""
    stream.subscribe(channels.ticker("nosuchcoin"))
    refused = await events.next(lambda e: isinstance(e, SubscriptionEvent))
    assert refused.channel == channels.ticker("nosuchcoin")
    assert "unknown symbol" in (refused.refused or "")
    assert stream.state is ConnectionState.CONNECTED
    assert stream.channels == (channels.ticker("nosuchcoin"),)
    assert channels.ticker("nosuchcoin") in stream.refused


async def test_unreachable_server_keeps_retrying_until_stopped(events) -> None:
    market = MarketStream(
        "ws://127.0.0.1:9/kline-api/ws", events, backoff_initial=0.01, backoff_max=0.02
    )
    task = asyncio.create_task(market.run())
    await events.next(state_is(ConnectionState.RECONNECTING))
    await events.next(state_is(ConnectionState.RECONNECTING))
    market.stop()
    async with asyncio.timeout(WAIT):
        await task
    assert market.state is ConnectionState.STOPPED


async def test_server_pings_are_answered_so_the_connection_stays(events) -> None:
    # The server pings every 0.1 s and closes a connection silent for 0.3 s.
    quick = await start_exchange(SimConfig(rate=20, ping_interval=0.1, ping_timeout=0.3))
    market = MarketStream(quick.ws_url, events, silence_timeout=5.0)
    market.subscribe(channels.ticker("btcusdt"))
    task = asyncio.create_task(market.run())
    try:
        first = await events.next(is_ticker)
        # several ping timeouts' worth of pushes, all on the first connection
        await events.next(lambda e: is_ticker(e) and e.ticker.time >= first.ticker.time + 1200)
        assert not any(state_is(ConnectionState.RECONNECTING)(e) for e in events.seen)
    finally:
        market.stop()
        await task
        await quick.stop()


async def test_a_refused_request_fails_at_once_even_without_cb_id(events) -> None:
    """PROTOCOL.md's error reply names the channel but carries no cb_id; the pending request
    for that channel must fail with the server's reason, not wait for a timeout."""

    async def refuse_everything(ws: ServerConnection) -> None:
        async for text in ws:
            params = json.loads(text)["params"]
            reply = {
                "event_rep": "req",
                "channel": params["channel"],
                "status": "error",
                "err_msg": "unknown symbol nosuchcoin",
            }
            await ws.send(gzip.compress(json.dumps(reply).encode()))

    async with serve(refuse_everything, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        market = MarketStream(f"ws://127.0.0.1:{port}/kline-api/ws", events)
        task = asyncio.create_task(market.run())
        try:
            with pytest.raises(ApiError, match="unknown symbol nosuchcoin"):
                await market.request(channels.kline("nosuchcoin", "1min"), timeout=WAIT)
        finally:
            market.stop()
            await task
