"""The market stream against servers that stall, refuse, go quiet or send hostile frames.

Issue 10, families 5 (slow recovery), 6 (a refused subscription freezes the ladder) and 10 (no
decompression limit), plus every `websockets` connect option and the promise that nothing a
server sends is raised out of the stream. Real sockets throughout: the `hostile` front scripts
the server side of each connection, or relays to the embedded exchange. Timeouts and back-offs
are injected short, except where the production defaults are what is under test; every wait
is on a condition under an overall deadline.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from functools import cache
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cdx.client import stream as stream_module
from cdx.client.stream import (
    ConnectionState,
    HeartbeatEvent,
    MarketStream,
    StatusEvent,
    StreamEvent,
    SubscriptionEvent,
    TickerEvent,
    TradesEvent,
)
from cdx.protocol import channels

WAIT = 10.0
"""Seconds any expected event may take before a test fails."""

TICKER = channels.ticker("btcusdt")

Gzip = Callable[[Any], bytes]


class Events:
    """Collects stream events (with the loop time each arrived) and reads them in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, StreamEvent]] = []
        self._read = 0  # events before this index were passed over by `next`
        self._changed = asyncio.Event()

    def __call__(self, event: StreamEvent) -> None:
        self.seen.append((asyncio.get_running_loop().time(), event))
        self._changed.set()

    @property
    def events(self) -> list[StreamEvent]:
        return [event for _, event in self.seen]

    async def next(self, match: Callable[[StreamEvent], bool], what: str = "") -> StreamEvent:
        """The first matching event after the one the previous call returned."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    for index in range(self._read, len(self.seen)):
                        if match(self.seen[index][1]):
                            self._read = index + 1
                            return self.seen[index][1]
                    self._read = len(self.seen)
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"no event: {what or match}") from None


def state_is(state: ConnectionState) -> Callable[[StreamEvent], bool]:
    return lambda e: isinstance(e, StatusEvent) and e.state is state


def gave_up(e: StreamEvent) -> bool:
    """The stream gave a connection up and is waiting its back-off delay."""
    return state_is(ConnectionState.RECONNECTING)(e) and "retrying in" in e.detail  # type: ignore[union-attr]


def proves_link(e: StreamEvent) -> bool:
    """An event the UI counts as a live link: a push or a heartbeat."""
    return not isinstance(e, StatusEvent | SubscriptionEvent)


def ticker_push(close: str) -> dict[str, Any]:
    """A well-formed ticker push for btcusdt, written from PROTOCOL.md section 6."""
    tick = {
        "open": "27000.00",
        "high": "27100.00",
        "low": "26900.00",
        "close": close,
        "vol": "12.500000",
        "amount": "337500.00",
        "rose": "0.0071",
    }
    return {"channel": TICKER, "ts": int(time.time() * 1000), "tick": tick}


def subed(channel: str, cb_id: str = "") -> dict[str, Any]:
    return {"event_rep": "subed", "channel": channel, "cb_id": cb_id, "ts": 1, "status": "ok"}


class Peer:
    """The server side of the scripted connections: what clients sent, and waiting on it."""

    def __init__(self) -> None:
        self.connections = 0
        self.received: list[tuple[float, dict[str, Any]]] = []
        self._changed = asyncio.Event()

    async def messages(self, ws: web.WebSocketResponse) -> AsyncIterator[dict[str, Any]]:
        """Every JSON text message of one connection, recorded, until it closes."""
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            parsed = json.loads(message.data)
            self.received.append((asyncio.get_running_loop().time(), parsed))
            self._changed.set()
            yield parsed

    def count(self, match: Callable[[dict[str, Any]], bool]) -> int:
        return sum(1 for _, message in self.received if match(message))

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(WAIT):
                while not condition():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"server never saw: {what}") from None


def is_sub(channel: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("event") == "sub" and m.get("params", {}).get("channel") == channel


def is_ping(message: dict[str, Any]) -> bool:
    return set(message) == {"ping"}


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def peer() -> Peer:
    return Peer()


@pytest.fixture
async def running() -> AsyncIterator[Callable[..., MarketStream]]:
    """`running(url, on_event, **options)`: a started `MarketStream`, stopped after the test."""
    started: list[tuple[MarketStream, asyncio.Task[None]]] = []

    def start(url: str, on_event: Callable[[StreamEvent], None], **options: Any) -> MarketStream:
        options.setdefault("rng", random.Random(10))
        market = MarketStream(url, on_event, **options)
        started.append((market, asyncio.create_task(market.run())))
        return market

    yield start
    for market, task in started:
        market.stop()
        async with asyncio.timeout(WAIT):
            await task  # run() returns normally: nothing was raised out of it
        assert market.state is ConnectionState.STOPPED


def reconnect_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The back-off delays the stream chose, in order, from its log."""
    return [
        float(record.args[1])  # type: ignore[index]
        for record in caplog.records
        if record.name == "cdx.client.stream" and "reconnecting in" in record.msg
    ]


# ---------------------------------------------------------------- family 5: recovery


async def test_backoff_restarts_after_each_stall_that_ends_in_the_silence_timeout(
    hostile, peer, events, running, gzip_frame, caplog
) -> None:
    """Issue 10: the delays were 19.68 s, then 27.34 s, because a session ended by the silence
    timeout was counted as a failure although it had received data."""
    caplog.set_level(logging.INFO, logger="cdx.client.stream")

    async def speak_once_then_stall(ws: web.WebSocketResponse, _: web.Request) -> None:
        peer.connections += 1
        await ws.send_bytes(gzip_frame({"ping": 1}))
        async for _message in peer.messages(ws):
            pass  # the client's pings go unanswered

    hostile.on_ws(speak_once_then_stall)
    running(
        hostile.ws_url,
        events,
        silence_timeout=0.3,
        ping_idle=0.1,
        backoff_initial=0.04,
        backoff_max=10.0,
    )
    for _ in range(4):
        lost = await events.next(gave_up, "a stall detected")
        assert "no message for 0.3 s" in lost.detail  # type: ignore[union-attr]
    delays = reconnect_delays(caplog)
    assert len(delays) >= 4
    # Without the reset the fourth delay would be at least 0.04 * 2**3 / 2 = 0.16 s.
    assert all(0.02 <= delay <= 0.04 for delay in delays), delays


async def test_backoff_grows_only_to_its_cap_while_the_server_never_speaks(
    hostile, events, running, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="cdx.client.stream")

    async def close_at_once(ws: web.WebSocketResponse, _: web.Request) -> None:
        await ws.close()

    hostile.on_ws(close_at_once)
    running(hostile.ws_url, events, backoff_initial=0.01, backoff_max=0.04)
    for _ in range(6):
        await events.next(gave_up, "a failed connection")
    delays = reconnect_delays(caplog)
    assert max(delays) <= 0.04, delays
    assert delays[-1] >= 0.02 > delays[0], delays  # it grew, from the shortest, to the cap


async def test_defaults_bring_data_back_within_two_seconds_of_a_stall_ending(
    exchange, events, running
) -> None:
    """Production ping cadence and back-off (only the 15 s silence rule is shortened, to reach
    a grown back-off quickly). The server recovers at the worst moment: just as the stream
    starts a back-off delay after a run of silent connections."""
    market = running(exchange.ws_url, events, silence_timeout=0.3, rng=random.Random(3))
    market.subscribe(TICKER)
    await events.next(lambda e: isinstance(e, TickerEvent), "the first ticker")
    exchange.faults.stall_ws = True
    for _ in range(3):
        await events.next(gave_up, "a silent connection dropped")
    recovered_at = asyncio.get_running_loop().time()
    exchange.faults.stall_ws = False
    await events.next(proves_link, "data after the stall")
    live_at = next(at for at, e in events.seen if at >= recovered_at and proves_link(e))
    assert live_at - recovered_at < 2.0


async def test_defaults_bring_data_back_within_two_seconds_of_a_server_that_kept_closing(
    hostile, events, running
) -> None:
    async def close_at_once(ws: web.WebSocketResponse, _: web.Request) -> None:
        await ws.close()

    hostile.on_ws(close_at_once)
    market = running(hostile.ws_url, events, rng=random.Random(5))
    market.subscribe(TICKER)
    for _ in range(4):  # 0.25-0.5 s, 0.5-1 s, then at the 1 s cap
        await events.next(gave_up, "a refused connection")
    recovered_at = asyncio.get_running_loop().time()
    hostile.on_ws(None)  # relay to the embedded exchange again
    await events.next(lambda e: isinstance(e, TickerEvent), "a ticker after recovery")
    assert asyncio.get_running_loop().time() - recovered_at < 2.0


# ---------------------------------------------------------------- staleness: own pings


async def test_a_quiet_server_is_pinged_and_the_link_stays_up(
    hostile, peer, events, running, gzip_frame
) -> None:
    """A healthy server with nothing to push answers the client's pings; every pong proves
    the link (a heartbeat), and the connection outlives many silence timeouts."""

    async def answer_pings_only(ws: web.WebSocketResponse, _: web.Request) -> None:
        peer.connections += 1
        async for message in peer.messages(ws):
            if is_ping(message):
                await ws.send_bytes(gzip_frame({"pong": message["ping"]}))

    hostile.on_ws(answer_pings_only)
    running(hostile.ws_url, events, ping_idle=0.02, silence_timeout=0.4)
    await peer.until(lambda: peer.count(is_ping) >= 60, "60 pings (three silence timeouts)")
    pings = [m["ping"] for _, m in peer.received if is_ping(m)]
    assert all(isinstance(n, int) and not isinstance(n, bool) for n in pings)
    assert len(set(pings)) == len(pings)
    assert peer.connections == 1
    assert not any(state_is(ConnectionState.RECONNECTING)(e) for e in events.events)
    assert sum(isinstance(e, HeartbeatEvent) for e in events.events) >= 50


async def test_pings_go_on_through_a_silence_until_it_ends_the_connection(
    hostile, peer, events, running
) -> None:
    """No pong, no push: the stream keeps pinging, then the dead-connection rule fires."""

    async def answer_nothing(ws: web.WebSocketResponse, _: web.Request) -> None:
        peer.connections += 1
        async for _message in peer.messages(ws):
            pass

    hostile.on_ws(answer_nothing)
    running(hostile.ws_url, events, ping_idle=0.05, silence_timeout=0.4)
    lost = await events.next(gave_up, "the silence rule")
    assert "no message for 0.4 s" in lost.detail  # type: ignore[union-attr]
    first_connection_pings = [
        at for at, m in peer.received if is_ping(m) and at < peer.received[0][0] + 0.4
    ]
    assert len(first_connection_pings) >= 4  # one every 0.05 s of the 0.4 s silence


# ---------------------------------------------------------------- family 6: refused subs


REFUSALS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "as PROTOCOL.md words it": lambda channel, _: {"event_rep": "sub", "channel": channel},
    "as a generic error": lambda channel, _: {"event_rep": "error", "channel": channel},
    "naming only the cb_id": lambda _, cb_id: {"event_rep": "sub", "cb_id": cb_id},
}


@pytest.mark.parametrize("shape", list(REFUSALS))
async def test_refused_subscription_is_retried_until_the_server_accepts_it(
    shape, hostile, peer, events, running, gzip_frame
) -> None:
    async def refuse_twice(ws: web.WebSocketResponse, _: web.Request) -> None:
        async for message in peer.messages(ws):
            if message.get("event") != "sub":
                continue
            channel, cb_id = message["params"]["channel"], message["params"]["cb_id"]
            if peer.count(is_sub(channel)) <= 2:
                refusal = REFUSALS[shape](channel, cb_id)
                refusal.update(status="error", err_msg="depth service restarting")
                await ws.send_bytes(gzip_frame(refusal))
            else:
                await ws.send_bytes(gzip_frame(subed(channel, cb_id)))
                await ws.send_bytes(gzip_frame(ticker_push("27050.00")))

    hostile.on_ws(refuse_twice)
    market = running(hostile.ws_url, events, sub_retry_initial=0.02, sub_retry_max=0.05)
    market.subscribe(TICKER)
    for _ in range(2):
        refused = await events.next(lambda e: isinstance(e, SubscriptionEvent), "a refusal")
        assert refused == SubscriptionEvent(TICKER, "depth service restarting")
    accepted = await events.next(lambda e: isinstance(e, SubscriptionEvent), "the acceptance")
    assert accepted == SubscriptionEvent(TICKER, None)
    push = await events.next(lambda e: isinstance(e, TickerEvent), "the first push")
    assert str(push.ticker.last) == "27050.00"  # type: ignore[union-attr]
    assert market.refused == {}
    assert market.state is ConnectionState.CONNECTED
    assert peer.count(is_sub(TICKER)) == 3


async def test_refused_subscription_retries_back_off_to_their_cap(
    hostile, peer, events, running, gzip_frame
) -> None:
    async def refuse_always(ws: web.WebSocketResponse, _: web.Request) -> None:
        async for message in peer.messages(ws):
            if message.get("event") == "sub":
                refusal = {
                    "event_rep": "sub",
                    "channel": message["params"]["channel"],
                    "status": "error",
                    "err_msg": "at most 100 subscriptions per connection",
                }
                await ws.send_bytes(gzip_frame(refusal))

    hostile.on_ws(refuse_always)
    market = running(hostile.ws_url, events, sub_retry_initial=0.01, sub_retry_max=0.2)
    market.subscribe(TICKER)
    await peer.until(lambda: peer.count(is_sub(TICKER)) >= 8, "eight attempts")
    times = [at for at, m in peer.received if is_sub(TICKER)(m)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # 0.005-0.01 s first, doubling, then 0.1-0.2 s at the cap: never longer than it plus slack.
    assert gaps[0] < 0.1 <= gaps[-1], gaps
    assert max(gaps) < 0.2 + 0.5, gaps
    assert market.refused == {TICKER: "at most 100 subscriptions per connection"}
    assert market.state is ConnectionState.CONNECTED


async def test_unsubscribed_channel_is_not_retried(
    hostile, peer, events, running, gzip_frame
) -> None:
    other = channels.ticker("ethusdt")

    async def refuse_always(ws: web.WebSocketResponse, _: web.Request) -> None:
        async for message in peer.messages(ws):
            if message.get("event") == "sub":
                refusal = {
                    "event_rep": "sub",
                    "channel": message["params"]["channel"],
                    "status": "error",
                    "err_msg": "unknown symbol",
                }
                await ws.send_bytes(gzip_frame(refusal))

    hostile.on_ws(refuse_always)
    market = running(hostile.ws_url, events, sub_retry_initial=0.02, sub_retry_max=0.02)
    market.subscribe(TICKER)
    await events.next(lambda e: e == SubscriptionEvent(TICKER, "unknown symbol"), "a refusal")
    market.unsubscribe(TICKER)
    assert events.events[-1] == SubscriptionEvent(TICKER, None)  # the UI forgets it
    market.subscribe(other)
    # `other` runs on the same schedule: three of its retries are far past TICKER's next one.
    await peer.until(lambda: peer.count(is_sub(other)) >= 4, "four attempts for ethusdt")
    assert peer.count(is_sub(TICKER)) == 1
    assert TICKER not in market.refused and market.channels == (other,)


# ---------------------------------------------------------------- family 10: gzip bomb


@cache
def gzip_bomb(inflated_mb: int = 300) -> bytes:
    """A ~300 kB gzip frame that inflates to `inflated_mb` MB of JSON-looking text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31, 9)
    chunk = b" " * (1 << 20)
    parts = [compressor.compress(b'{"channel":"market_btcusdt_ticker","pad":"')]
    parts.extend(compressor.compress(chunk) for _ in range(inflated_mb))
    parts.append(compressor.compress(b'"}'))
    parts.append(compressor.flush())
    return b"".join(parts)


async def test_gzip_bomb_is_skipped_with_bounded_memory(
    hostile, events, running, gzip_frame, caplog
) -> None:
    """Issue 10: a 300 kB frame that inflates to 300 MB took the dashboard to 905 MB. The frame
    is skipped (and logged), the connection stays, the next push arrives, memory stays small."""
    caplog.set_level(logging.WARNING, logger="cdx.client.stream")
    bomb = gzip_bomb()
    assert len(bomb) < stream_module.MAX_FRAME_BYTES  # within max_size: only inflating is big

    async def bomb_then_push(ws: web.WebSocketResponse, _: web.Request) -> None:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT and json.loads(message.data).get("event"):
                await ws.send_bytes(gzip_frame(subed(TICKER)))
                await ws.send_bytes(bomb)
                await ws.send_bytes(gzip_frame(ticker_push("27001.00")))

    hostile.on_ws(bomb_then_push)
    tracemalloc.start()
    try:
        market = running(hostile.ws_url, events)
        market.subscribe(TICKER)
        push = await events.next(lambda e: isinstance(e, TickerEvent), "the push after the bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(push.ticker.last) == "27001.00"  # type: ignore[union-attr]
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB while reading the bomb"
    assert any("malformed frame" in r.getMessage() for r in caplog.records)
    assert not any(state_is(ConnectionState.RECONNECTING)(e) for e in events.events)


# ---------------------------------------------------------------- connect options


async def test_a_frame_over_max_size_ends_the_connection_not_the_stream(
    hostile, peer, events, running, gzip_frame
) -> None:
    async def oversize_first(ws: web.WebSocketResponse, _: web.Request) -> None:
        peer.connections += 1
        first = peer.connections == 1
        async for message in peer.messages(ws):
            if message.get("event") == "sub":
                await ws.send_bytes(gzip_frame(subed(TICKER)))
                if first:
                    await ws.send_bytes(b"\x00" * 70_000)
                await ws.send_bytes(gzip_frame(ticker_push("27002.00")))

    hostile.on_ws(oversize_first)
    market = running(hostile.ws_url, events, max_size=64 * 1024, backoff_initial=0.01)
    market.subscribe(TICKER)
    lost = await events.next(gave_up, "the oversize frame")
    assert "1009" in lost.detail  # type: ignore[union-attr]
    push = await events.next(lambda e: isinstance(e, TickerEvent), "a push on the next one")
    assert str(push.ticker.last) == "27002.00"  # type: ignore[union-attr]


async def test_open_timeout_bounds_a_handshake_that_never_completes(events, running) -> None:
    """A server that accepts TCP and never answers the upgrade is retried, not waited on."""
    held: list[asyncio.StreamWriter] = []

    async def accept_and_hang(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept_and_hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        started = asyncio.get_running_loop().time()
        running(f"ws://127.0.0.1:{port}/kline-api/ws", events, open_timeout=0.2)
        lost = await events.next(gave_up, "the open timeout")
        assert "TimeoutError" in lost.detail  # type: ignore[union-attr]
        assert asyncio.get_running_loop().time() - started < 2.0
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_dead_connection_is_dropped_without_waiting_for_a_close_handshake(
    hostile, events, running
) -> None:
    """After the silence rule fires, a peer that ignored everything will not answer a close
    either: waiting `close_timeout` for it would only delay the reconnect."""
    hold = asyncio.Event()

    async def ignore_everything(ws: web.WebSocketResponse, _: web.Request) -> None:
        await hold.wait()  # reads nothing, so never answers a close frame

    hostile.on_ws(ignore_everything)
    running(hostile.ws_url, events, silence_timeout=0.2, close_timeout=30.0)
    try:
        await events.next(state_is(ConnectionState.CONNECTED), "connected")
        await events.next(gave_up, "the silence rule")
        connected_at = next(at for at, e in events.seen if state_is(ConnectionState.CONNECTED)(e))
        lost_at = next(at for at, e in events.seen if gave_up(e))
        assert lost_at - connected_at < 2.0
    finally:
        hold.set()


async def test_stop_waits_at_most_close_timeout_for_a_server_ignoring_the_close(
    hostile, events
) -> None:
    hold = asyncio.Event()

    async def ignore_everything(ws: web.WebSocketResponse, _: web.Request) -> None:
        await hold.wait()

    hostile.on_ws(ignore_everything)
    market = MarketStream(hostile.ws_url, events, close_timeout=0.2)
    task = asyncio.create_task(market.run())
    try:
        await events.next(state_is(ConnectionState.CONNECTED), "connected")
        stopped_at = asyncio.get_running_loop().time()
        market.stop()
        async with asyncio.timeout(WAIT):
            await task
        assert asyncio.get_running_loop().time() - stopped_at < 1.5
    finally:
        hold.set()


def test_connect_options_are_bounded() -> None:
    """The defaults the dashboard runs with (it passes none): each has a reason in stream.py."""
    assert stream_module.MAX_FRAME_BYTES == 1024 * 1024
    assert stream_module.OPEN_TIMEOUT_S <= 5.0
    assert stream_module.CLOSE_TIMEOUT_S <= 1.0
    assert stream_module.BACKOFF_MAX_S + stream_module.PING_IDLE_S < 2.0
    assert stream_module.SILENCE_TIMEOUT_S == 15.0  # PROTOCOL.md section 6


# ---------------------------------------------------------------- nothing raises out


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE_FRAMES: list[tuple[str, bytes | str]] = [
    ("text frame that is not JSON", "not json {"),
    ("empty text frame", ""),
    ("empty binary frame", b""),
    ("binary frame that is not gzip", b"\x00\xffgarbage\x80"),
    ("truncated gzip", b"\x1f\x8b\x08\x00corrupt"),
    ("gzip of bytes that are not UTF-8", zlib.compress(b"\xff\xfe", wbits=31)),
    ("gzip of a JSON list", zlib.compress(b"[1,2,3]", wbits=31)),
    ("pong with a string", '{"pong":"abc"}'),
    ("ping with a string", '{"ping":"abc"}'),
    ("ping with a float", '{"ping":1.5}'),
    ("ping with a bool", '{"ping":true}'),
    ("ping with a 5000-digit number", '{"ping":1' + "0" * 5000 + "}"),
    ("ping with an object", '{"ping":{"a":1}}'),
    (
        "reply for an unknown cb_id",
        '{"event_rep":"rep","channel":"market_btcusdt_kline_1min","cb_id":"nobody",'
        '"status":"ok","data":[]}',
    ),
    (
        "error for an unknown cb_id",
        '{"event_rep":"req","channel":"market_btcusdt_kline_1min","cb_id":"nobody",'
        '"status":"error","err_msg":"no"}',
    ),
    (
        "reply with wrong types",
        '{"event_rep":["x"],"channel":{"a":1},"status":{"b":2},"cb_id":5,"err_msg":null}',
    ),
    ("subed with a number for a channel", '{"event_rep":"subed","channel":123,"status":"ok"}'),
    (
        "refusal with terminal escapes",
        '{"event_rep":"sub","channel":"market_zzz_ticker","status":"error",'
        '"err_msg":"\\u001b[2J\\u001b]0;pwned\\u0007"}',
    ),
    ("push with wrong types", '{"channel":"market_btcusdt_ticker","ts":"x","tick":[]}'),
    ("push with a list for a channel", '{"channel":["market_btcusdt_ticker"],"ts":1,"tick":{}}'),
    ("push for an unknown channel", '{"channel":"market_btcusdt_nonsense","ts":1,"tick":{}}'),
    ("push with a huge exponent", '{"channel":"market_btcusdt_ticker","ts":1e999999,"tick":{}}'),
    ("JSON nested 100000 deep", nested(100_000)),
    ("gzip of JSON nested 100000 deep", zlib.compress(nested(100_000), wbits=31)),
]


async def test_nothing_a_server_sends_raises_out_of_the_stream(
    hostile, events, running, gzip_frame, caplog
) -> None:
    """Each hostile frame is followed by a good push; every good push must arrive, on the
    same connection, and `run()` ends normally when stopped (the `running` fixture checks).

    The good pushes are trade pushes: a stream that falls behind keeps only the newest ticker
    or depth snapshot of a burst, but never drops a trade."""
    caplog.set_level(logging.WARNING, logger="cdx.client.stream")
    trades = channels.trade("btcusdt")

    def trade_push(trade_id: int) -> dict[str, Any]:
        ts = int(time.time() * 1000)
        row = {"id": str(trade_id), "side": "BUY", "price": "27000.00", "vol": "0.5"}
        return {"channel": trades, "ts": ts, "tick": {"data": [{**row, "amount": "1", "ts": ts}]}}

    async def hostile_then_good(ws: web.WebSocketResponse, _: web.Request) -> None:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT and json.loads(message.data).get("event"):
                await ws.send_bytes(gzip_frame(subed(trades)))
                for index, (_, frame) in enumerate(HOSTILE_FRAMES):
                    if isinstance(frame, str):
                        await ws.send_str(frame)
                    else:
                        await ws.send_bytes(frame)
                    await ws.send_bytes(gzip_frame(trade_push(index + 1)))

    hostile.on_ws(hostile_then_good)
    market = running(hostile.ws_url, events)
    market.subscribe(trades)
    for index, (what, _) in enumerate(HOSTILE_FRAMES):
        await events.next(
            lambda e, i=str(index + 1): isinstance(e, TradesEvent) and e.trades[0].id == i,
            f"the push after: {what}",
        )
    assert not any(state_is(ConnectionState.RECONNECTING)(e) for e in events.events)
    assert market.refused == {}  # a refusal of a channel we never asked for changes nothing
    assert not any("\x1b" in r.getMessage() for r in caplog.records)
