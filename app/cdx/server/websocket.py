"""The WebSocket at `/kline-api/ws` (PROTOCOL.md section 6): sub/unsub/req, pushes, heartbeats.

Each connection runs three things: the reader (client messages in, replies out), a push loop
that every `PUSH_INTERVAL` compares each subscription with the engine and sends what changed,
and a heartbeat that pings and drops a client that stops answering. A slow client therefore
gets fewer, fresher depth and ticker snapshots instead of a growing queue, and trade pushes
still carry every trade since the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from cdx.model.market import Kline, Trade
from cdx.model.symbol import Symbol
from cdx.protocol import frames, messages
from cdx.protocol.channels import (
    KLINE_INTERVALS,
    MAX_SUBSCRIPTIONS,
    TRADES_PER_REQ,
    Channel,
    ChannelKind,
    parse,
)
from cdx.protocol.endpoints import MAX_KLINES
from cdx.server.backend import Backend
from cdx.server.faults import Faults

logger = logging.getLogger(__name__)

PUSH_INTERVAL = 0.1
"""Seconds between two pushes of one channel at most: depth and ticker push <= 10 times/s."""

FAULT_POLL_INTERVAL = 0.05
"""How often the hub looks at `Faults.drop_ws_next`."""

MAX_CLIENT_MESSAGE = 64 * 1024
"""A client message larger than this closes the connection (1009): no request needs it."""

CLOSE_TIMEOUT = 1.0
"""Seconds to wait for a client's close frame before the socket is dropped anyway."""

CORRUPT_FRAME = b"\x1f\x8b\x08\x00corrupt-frame-injected-by-faults"
"""Starts like gzip, so a client tries to gunzip it and must fail cleanly."""

_LATEST = sys.maxsize
"""An `after_seq` beyond any trade: `trades_after` then just reports the current number."""


@dataclass(slots=True)
class Subscription:
    """What one connection last sent on one channel, so the next push carries only change."""

    channel: Channel
    symbol: Symbol
    version: int = -1
    last_body: messages.PushBody | None = None
    trade_seq: int = 0
    last_push: float = 0.0


@dataclass(slots=True)
class _Cached:
    version: int
    body: messages.PushBody | None


class Hub:
    """Every open connection plus what they share: engine, clock, faults and a tick cache."""

    def __init__(
        self,
        engine: Backend,
        faults: Faults,
        clock: Callable[[], int],
        ping_interval: float,
        ping_timeout: float,
    ) -> None:
        self.engine = engine
        self.faults = faults
        self.clock = clock
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.connections: set[Connection] = set()
        self._bodies: dict[str, _Cached] = {}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The aiohttp handler of the WebSocket route."""
        ws = web.WebSocketResponse(
            timeout=CLOSE_TIMEOUT, compress=False, max_msg_size=MAX_CLIENT_MESSAGE
        )
        await ws.prepare(request)
        connection = Connection(self, ws, request)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)
        return ws

    def body(self, sub: Subscription, now_ms: int) -> tuple[int, messages.PushBody | None]:
        """(engine version, current push body) of a ticker, depth or kline channel; no body
        for a kline channel without a bar yet.

        Encoded once per channel and version however many connections want it.
        """
        name = sub.channel.name
        version = self.engine.version(sub.symbol.name)
        cached = self._bodies.get(name)
        if cached is None or cached.version != version:
            cached = self._bodies[name] = _Cached(version, self._compute(sub, now_ms))
        return version, cached.body

    def _compute(self, sub: Subscription, now_ms: int) -> messages.PushBody | None:
        symbol, channel = sub.symbol, sub.channel
        push: messages.Push
        match channel.kind:
            case ChannelKind.TICKER:
                push = messages.TickerPush(self.engine.ticker(symbol.name, now_ms), now_ms)
            case ChannelKind.DEPTH:
                book = self.engine.book(symbol.name, channel.step, now_ms)
                push = messages.DepthPush(symbol.name, channel.step, book, now_ms)
            case ChannelKind.KLINE:
                period = KLINE_INTERVALS[channel.interval]
                bars = self.engine.klines(symbol.name, period, now_ms, limit=1)
                if not bars:
                    return None
                push = messages.KlinePush(symbol.name, channel.interval, bars[-1], now_ms)
            case _:
                raise ValueError(f"{channel.kind} has no snapshot push")
        return push.body(symbol)

    async def watch_faults(self) -> None:
        """Cut every connection when `drop_ws_next` is set (kept set until one is open)."""
        while True:
            await asyncio.sleep(FAULT_POLL_INTERVAL)
            if self.faults.drop_ws_next and self.connections and self.faults.take_drop():
                logger.info("fault injection: dropping %d connections", len(self.connections))
                for connection in list(self.connections):
                    connection.drop()

    async def close_all(self) -> None:
        """Close every connection cleanly (server shutdown)."""
        await asyncio.gather(
            *(connection.close(1001, "server shutting down") for connection in self.connections),
            return_exceptions=True,
        )


class Connection:
    """One client's socket, its subscriptions and its heartbeat state."""

    def __init__(self, hub: Hub, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.hub = hub
        self.ws = ws
        self.peer = request.remote or "?"
        self._transport = request.transport
        self.subscriptions: dict[str, Subscription] = {}
        self._send_lock = asyncio.Lock()
        self._pings: deque[tuple[int, float]] = deque()
        """(value, loop time sent) of every ping not answered yet, oldest first."""

    async def run(self) -> None:
        """Serve the connection until the client goes away or is dropped."""
        tasks = [
            asyncio.create_task(self._push_loop(), name=f"ws-push {self.peer}"),
            asyncio.create_task(self._heartbeat(), name=f"ws-heartbeat {self.peer}"),
        ]
        try:
            async for message in self.ws:
                if message.type is WSMsgType.TEXT:
                    try:
                        await self._on_text(message.data)
                    except Exception:
                        logger.exception("answering a message from %s failed", self.peer)
                        await self._error(messages.ERROR, "", "internal error; try again")
                elif message.type is WSMsgType.BINARY:
                    await self._error(
                        messages.ERROR, "", "send JSON in text frames, not binary frames"
                    )
                elif message.type is WSMsgType.ERROR:
                    logger.info("websocket error from %s: %s", self.peer, self.ws.exception())
                    break
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def drop(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        if self._transport is not None:
            self._transport.abort()

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=reason.encode())

    # Sending -----------------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any], *, push: bool = False) -> None:
        """Send one gzip frame; nothing at all while `stall_ws` is set."""
        if self.hub.faults.stall_ws or self.ws.closed:
            return
        data = frames.encode(message)
        if push and self.hub.faults.take_corruption():
            data = CORRUPT_FRAME
        try:
            async with self._send_lock:
                await self.ws.send_bytes(data)
        except ConnectionError:
            logger.debug("send to %s failed: connection gone", self.peer)

    async def _error(self, event: str, channel: str, reason: str, tag: str | None = None) -> None:
        await self._send(messages.ErrorReply(event, channel, reason, tag).encode())

    # Client messages ---------------------------------------------------------------------------

    async def _on_text(self, text: str) -> None:
        try:
            message = messages.parse_client(frames.decode(text))
        except frames.FrameError as exc:
            await self._error(messages.ERROR, "", f"message is not a JSON object: {exc}")
            return
        except RecursionError:
            await self._error(messages.ERROR, "", "message is nested too deeply")
            return
        except messages.RequestError as exc:
            await self._send(exc.reply.encode())
            return
        match message:
            case messages.Ping(value):
                await self._send(messages.Pong(value).encode())
            case messages.Pong(value):
                self._on_pong(value)
            case _:
                await self._on_event(message)

    async def _on_event(self, message: messages.Sub | messages.Unsub | messages.Req) -> None:
        """A sub, unsub or req whose channel and symbol exist; each failure answered with an
        error that echoes its `tag` (PROTOCOL.md 9.2)."""
        event, name, tag = message.EVENT, message.channel, message.tag
        channel = parse(name)
        if channel is None:
            await self._error(event, name, f"unknown channel {name[:60]!r}", tag)
            return
        symbol = self.hub.engine.symbols.get(channel.symbol)
        if symbol is None:
            await self._error(event, name, f"unknown symbol {channel.symbol[:20]!r}", tag)
            return
        match message:
            case messages.Sub():
                await self._subscribe(channel, symbol, tag)
            case messages.Unsub():
                self.subscriptions.pop(name, None)
                await self._send(messages.Unsubed(name, self.hub.clock(), tag).encode())
            case messages.Req():
                await self._request(channel, symbol, tag)

    async def _subscribe(self, channel: Channel, symbol: Symbol, tag: str | None) -> None:
        name = channel.name
        if name not in self.subscriptions and len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self._error(
                "sub", name, f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection", tag
            )
            return
        subed = messages.Subed(name, self.hub.clock(), tag if tag is not None else "")
        await self._send(subed.encode())
        sub = Subscription(channel, symbol)
        now_ms = self.hub.clock()
        body: messages.PushBody | None
        if channel.kind is ChannelKind.TRADE:
            sub.trade_seq, _ = self.hub.engine.trades_after(symbol.name, _LATEST)
            recent = self.hub.engine.trades(symbol.name, limit=TRADES_PER_REQ)
            body = messages.TradePush(symbol.name, tuple(recent), now_ms).body(symbol)
        else:
            sub.version, body = self.hub.body(sub, now_ms)
            sub.last_body = body
        sub.last_push = asyncio.get_running_loop().time()
        self.subscriptions[name] = sub
        if body is not None:
            await self._send(body.at(now_ms), push=True)

    async def _request(self, channel: Channel, symbol: Symbol, tag: str | None) -> None:
        engine, name, now_ms = self.hub.engine, channel.name, self.hub.clock()
        items: tuple[Kline, ...] | tuple[Trade, ...]
        if channel.kind is ChannelKind.KLINE:
            period = KLINE_INTERVALS[channel.interval]
            items = tuple(engine.klines(symbol.name, period, now_ms, limit=MAX_KLINES))
        elif channel.kind is ChannelKind.TRADE:
            items = tuple(engine.trades(symbol.name, limit=TRADES_PER_REQ))
        else:
            await self._error(
                "req", name, "req serves kline and trade channels; subscribe to this one", tag
            )
            return
        rep = messages.Rep(name, items, now_ms, tag if tag is not None else "")
        await self._send(rep.encode(symbol))

    def _on_pong(self, number: int) -> None:
        if all(value != number for value, _ in self._pings):
            logger.debug("pong %d from %s matches no ping", number, self.peer)
            return
        while self._pings:
            value, _ = self._pings.popleft()
            if value == number:
                break

    # Pushes and heartbeat ----------------------------------------------------------------------

    async def _push_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(PUSH_INTERVAL)
            if self.hub.faults.stall_ws:
                continue
            now = loop.time()
            now_ms = self.hub.clock()
            for sub in list(self.subscriptions.values()):
                if now - sub.last_push < PUSH_INTERVAL:
                    continue
                if self.subscriptions.get(sub.channel.name) is not sub:
                    continue  # unsubscribed while an earlier push of this round was sent
                try:
                    await self._push(sub, now, now_ms)
                except Exception:
                    # A bug must not silence the socket: log it and try again next round.
                    logger.exception("push of %s to %s failed", sub.channel.name, self.peer)

    async def _push(self, sub: Subscription, now: float, now_ms: int) -> None:
        if sub.channel.kind is ChannelKind.TRADE:
            seq, new = self.hub.engine.trades_after(sub.symbol.name, sub.trade_seq)
            sub.trade_seq = seq
            if not new:
                return
            # Newest first, as REST /v1/trades and the trade `req` list them.
            push = messages.TradePush(sub.symbol.name, tuple(reversed(new)), now_ms)
            body: messages.PushBody | None = push.body(sub.symbol)
        else:
            if self.hub.engine.version(sub.symbol.name) == sub.version:
                return
            sub.version, body = self.hub.body(sub, now_ms)
            if body is None or body == sub.last_body:
                return
            sub.last_body = body
        sub.last_push = now
        await self._send(body.at(now_ms), push=True)

    async def _heartbeat(self) -> None:
        """Ping every `ping_interval`; close when the oldest ping is `ping_timeout` unanswered."""
        loop = asyncio.get_running_loop()
        interval, timeout = self.hub.ping_interval, self.hub.ping_timeout
        next_ping = loop.time() + interval
        while True:
            deadline = next_ping
            if self._pings:
                deadline = min(deadline, self._pings[0][1] + timeout)
            await asyncio.sleep(max(deadline - loop.time(), 0.0))
            now = loop.time()
            if self._pings and now - self._pings[0][1] >= timeout:
                logger.info("closing %s: no pong for %.1f s", self.peer, timeout)
                await self.close(1011, "no pong")
                self.drop()
                return
            if now >= next_ping:
                next_ping = now + interval
                if not self.hub.faults.stall_ws:
                    value = self.hub.clock()
                    self._pings.append((value, now))
                    await self._send(messages.Ping(value).encode())
