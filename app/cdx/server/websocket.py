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

from cdx.model.symbol import Symbol
from cdx.protocol import codec, frames
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
    last_tick: Any = None
    trade_seq: int = 0
    last_push: float = 0.0


@dataclass(slots=True)
class _Cached:
    version: int
    tick: Any


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
        self._ticks: dict[str, _Cached] = {}

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

    def tick(self, sub: Subscription, now_ms: int) -> tuple[int, Any]:
        """(engine version, current `tick`) of a ticker, depth or kline channel.

        Computed once per channel and version however many connections want it.
        """
        name = sub.channel.name
        version = self.engine.version(sub.symbol.name)
        cached = self._ticks.get(name)
        if cached is None or cached.version != version:
            cached = self._ticks[name] = _Cached(version, self._compute(sub, now_ms))
        return version, cached.tick

    def _compute(self, sub: Subscription, now_ms: int) -> Any:
        symbol, channel = sub.symbol, sub.channel
        match channel.kind:
            case ChannelKind.TICKER:
                return codec.ticker_to_push_tick(self.engine.ticker(symbol.name, now_ms), symbol)
            case ChannelKind.DEPTH:
                book = self.engine.book(symbol.name, channel.step, now_ms)
                return codec.depth_to_push_tick(book, symbol, channel.step)
            case ChannelKind.KLINE:
                period = KLINE_INTERVALS[channel.interval]
                bars = self.engine.klines(symbol.name, period, now_ms, limit=1)
                return codec.kline_to_push_tick(bars[-1], symbol) if bars else None
        raise ValueError(f"{channel.kind} has no snapshot tick")

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
                        await self._error("error", "", "internal error; try again")
                elif message.type is WSMsgType.BINARY:
                    await self._error("error", "", "send JSON in text frames, not binary frames")
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

    async def _reply(self, event_rep: str, channel: str, cb_id: str | None, **extra: Any) -> None:
        reply: dict[str, Any] = {"event_rep": event_rep, "channel": channel}
        if cb_id is not None:
            reply["cb_id"] = cb_id
        reply["ts"] = self.hub.clock()
        reply["status"] = "ok"
        reply.update(extra)
        await self._send(reply)

    async def _error(
        self, event: str, channel: str, err_msg: str, cb_id: str | None = None
    ) -> None:
        reply: dict[str, Any] = {"event_rep": event, "channel": channel}
        if cb_id is not None:
            reply["cb_id"] = cb_id
        reply["status"] = "error"
        reply["err_msg"] = err_msg
        await self._send(reply)

    # Client messages ---------------------------------------------------------------------------

    async def _on_text(self, text: str) -> None:
        try:
            message = frames.decode(text)
        except frames.FrameError as exc:
            await self._error("error", "", f"message is not a JSON object: {exc}")
            return
        except RecursionError:
            await self._error("error", "", "message is nested too deeply")
            return
        if (number := frames.ping_value(message)) is not None:
            await self._send(frames.pong(number))
            return
        if (number := frames.pong_value(message)) is not None:
            self._on_pong(number)
            return
        await self._on_event(message)

    async def _on_event(self, message: dict[str, Any]) -> None:
        """A sub, unsub or req: checked field by field, each failure answered with an error."""
        params = message.get("params")
        params = params if isinstance(params, dict) else {}
        name = params.get("channel")
        cb_id = params.get("cb_id")
        # Every reply, errors included, echoes a string cb_id (PROTOCOL.md 9.2).
        echo = cb_id if isinstance(cb_id, str) else None
        event = message.get("event")
        if not isinstance(event, str):
            await self._error("error", "", "message has no 'event'; use sub, unsub or req", echo)
            return
        if event not in ("sub", "unsub", "req"):
            # The error names the channel the message named, as every other error reply does.
            shown = event if len(event) <= 20 else event[:20] + "..."
            await self._error(
                event,
                name if isinstance(name, str) else "",
                f"unknown event {shown!r}; use sub, unsub or req",
                echo,
            )
            return
        if not isinstance(name, str):
            await self._error(event, "", "params.channel is missing or not a string", echo)
            return
        if cb_id is not None and not isinstance(cb_id, str):
            await self._error(event, name, "params.cb_id must be a string")
            return
        channel = parse(name)
        if channel is None:
            await self._error(event, name, f"unknown channel {name[:60]!r}", cb_id)
            return
        symbol = self.hub.engine.symbols.get(channel.symbol)
        if symbol is None:
            await self._error(event, name, f"unknown symbol {channel.symbol[:20]!r}", cb_id)
            return
        match event:
            case "sub":
                await self._subscribe(channel, symbol, cb_id)
            case "unsub":
                self.subscriptions.pop(name, None)
                await self._reply("unsubed", name, cb_id)
            case _:
                await self._request(channel, symbol, cb_id)

    async def _subscribe(self, channel: Channel, symbol: Symbol, cb_id: str | None) -> None:
        name = channel.name
        if name not in self.subscriptions and len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            await self._error(
                "sub", name, f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection", cb_id
            )
            return
        await self._reply("subed", name, cb_id if cb_id is not None else "")
        sub = Subscription(channel, symbol)
        now_ms = self.hub.clock()
        if channel.kind is ChannelKind.TRADE:
            sub.trade_seq, _ = self.hub.engine.trades_after(symbol.name, _LATEST)
            recent = self.hub.engine.trades(symbol.name, limit=TRADES_PER_REQ)
            tick: Any = {"data": [codec.trade_to_push(trade, symbol) for trade in recent]}
        else:
            sub.version, tick = self.hub.tick(sub, now_ms)
            sub.last_tick = tick
        sub.last_push = asyncio.get_running_loop().time()
        self.subscriptions[name] = sub
        if tick is not None:
            await self._send({"channel": name, "ts": now_ms, "tick": tick}, push=True)

    async def _request(self, channel: Channel, symbol: Symbol, cb_id: str | None) -> None:
        engine, name, now_ms = self.hub.engine, channel.name, self.hub.clock()
        if channel.kind is ChannelKind.KLINE:
            period = KLINE_INTERVALS[channel.interval]
            bars = engine.klines(symbol.name, period, now_ms, limit=MAX_KLINES)
            data = [codec.kline_to_push_tick(bar, symbol) for bar in bars]
        elif channel.kind is ChannelKind.TRADE:
            recent = engine.trades(symbol.name, limit=TRADES_PER_REQ)
            data = [codec.trade_to_push(trade, symbol) for trade in recent]
        else:
            await self._error(
                "req", name, "req serves kline and trade channels; subscribe to this one", cb_id
            )
            return
        await self._reply("rep", name, cb_id if cb_id is not None else "", data=data)

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
        name = sub.channel.name
        if sub.channel.kind is ChannelKind.TRADE:
            seq, new = self.hub.engine.trades_after(sub.symbol.name, sub.trade_seq)
            sub.trade_seq = seq
            if not new:
                return
            # Newest first, as REST /v1/trades and the trade `req` list them.
            data = [codec.trade_to_push(trade, sub.symbol) for trade in reversed(new)]
            tick: Any = {"data": data}
        else:
            if self.hub.engine.version(sub.symbol.name) == sub.version:
                return
            sub.version, tick = self.hub.tick(sub, now_ms)
            if tick is None or tick == sub.last_tick:
                return
            sub.last_tick = tick
        sub.last_push = now
        await self._send({"channel": name, "ts": now_ms, "tick": tick}, push=True)

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
                    await self._send(frames.ping(value))
