"""The market-data WebSocket worker (PROTOCOL.md section 6).

One connection carries every channel the app asked for. `MarketStream.run()` keeps it alive:
it answers the server's pings, treats `silence_timeout` seconds without any message as a dead
connection, reconnects with jittered exponential back-off and subscribes again to everything it
had. Pushes reach the consumer as immutable model events; a malformed frame is logged and
skipped, never half-delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect

from cdx.client.errors import ApiError, BadResponse, TransportError
from cdx.client.rest import is_loopback
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.protocol import channels, codec, frames
from cdx.protocol.channels import ChannelKind

log = logging.getLogger(__name__)


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class TickerEvent:
    ticker: Ticker


@dataclass(frozen=True, slots=True)
class DepthEvent:
    """A full snapshot of one depth channel (not a diff): replace what was shown."""

    symbol: str
    step: int
    book: Book


@dataclass(frozen=True, slots=True)
class TradesEvent:
    """Every trade since the previous push of the channel, in the server's order."""

    symbol: str
    trades: tuple[Trade, ...]


@dataclass(frozen=True, slots=True)
class KlineEvent:
    symbol: str
    interval: str
    kline: Kline


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """The connection changed state, or the server refused a subscription (`detail` says)."""

    state: ConnectionState
    detail: str


StreamEvent = TickerEvent | DepthEvent | TradesEvent | KlineEvent | StatusEvent


class MarketStream:
    """One WebSocket connection for all market channels, kept alive until `stop()`.

    `subscribe`/`unsubscribe` may be called at any time, before or during `run()`; the set of
    channels survives reconnects. `on_event` is called on the event loop for every push and
    state change; an exception it raises is logged and does not stop the stream. `clock` only
    stamps `last_message_at` (so the UI can show staleness); `rng` jitters the back-off.
    """

    def __init__(
        self,
        ws_url: str,
        on_event: Callable[[StreamEvent], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        silence_timeout: float = 15.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        rng: random.Random | None = None,
        open_timeout: float = 10.0,
    ) -> None:
        self.ws_url = ws_url
        self._loopback = is_loopback(urlsplit(ws_url).hostname or "")
        self.state = ConnectionState.CONNECTING
        self.last_message_at: float | None = None
        self._on_event = on_event
        self._clock = clock
        self._silence_timeout = silence_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._rng = rng or random.Random()
        self._open_timeout = open_timeout
        self._channels: dict[str, None] = {}  # insertion-ordered set
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._stop = asyncio.Event()
        self._connected = asyncio.Event()
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._pending_channel: dict[str, str] = {}  # cb_id -> channel of a pending `req`
        self._cb_ids = itertools.count(1)

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the stream keeps subscribed."""
        return tuple(self._channels)

    def subscribe(self, channel: str) -> None:
        """Keep `channel` subscribed from now on (sent at once if connected)."""
        if channel in self._channels:
            return
        self._channels[channel] = None
        self._send(frames.subscribe(channel, f"sub-{channel}"))

    def unsubscribe(self, channel: str) -> None:
        """Stop `channel`; pushes still in flight for it are dropped."""
        if channel in self._channels:
            del self._channels[channel]
            self._send(frames.unsubscribe(channel))

    async def request(self, channel: str, timeout: float = 5.0) -> list[Any]:
        """A one-shot `req`: klines (as `Kline`, oldest first) or trades (as `Trade`).

        Waits for a connection if there is none yet. Raises `TransportError` if no answer comes
        within `timeout`, `ApiError` if the server refuses, `BadResponse` if the answer is
        malformed.
        """
        parsed = channels.parse(channel)
        if parsed is None or parsed.kind not in (ChannelKind.KLINE, ChannelKind.TRADE):
            raise ValueError(f"{channel!r} is not a kline or trade channel")
        cb_id = f"req-{next(self._cb_ids)}"
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[cb_id] = future
        self._pending_channel[cb_id] = channel
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
                self._send(frames.request(channel, cb_id))
                data = await future
        except TimeoutError:
            raise TransportError(f"no answer to {channel} within {timeout:g} s") from None
        finally:
            self._pending.pop(cb_id, None)
            self._pending_channel.pop(cb_id, None)
        decode = (
            codec.kline_from_push if parsed.kind is ChannelKind.KLINE else codec.trade_from_push
        )
        try:
            return [decode(item) for item in data]
        except (codec.CodecError, TypeError) as exc:
            raise BadResponse(f"malformed answer to {channel}: {exc}") from None

    def stop(self) -> None:
        """Close the connection and make `run()` return; safe to call more than once."""
        self._stop.set()
        if self._ws is not None:
            asyncio.get_running_loop().create_task(self._ws.close())

    async def run(self) -> None:
        """Connect, keep the connection, reconnect after failures; return after `stop()`."""
        attempt = 0
        while not self._stop.is_set():
            self._set_state(
                ConnectionState.CONNECTING if attempt == 0 else ConnectionState.RECONNECTING,
                f"connecting to {self.ws_url}",
            )
            got_messages = False
            try:
                async with connect(
                    self.ws_url,
                    open_timeout=self._open_timeout,
                    ping_interval=None,  # the protocol has its own JSON heartbeat
                    max_size=4 * 1024 * 1024,
                    proxy=None if self._loopback else True,
                    close_timeout=1.0,  # a stalled server must not hold up the reconnect
                ) as ws:
                    got_messages = await self._session(ws)
                cause = "connection closed"
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            finally:
                self._ws = None
                self._outbox = None
                self._connected.clear()
                self._fail_pending()
            if self._stop.is_set():
                break
            attempt = 1 if got_messages else attempt + 1
            delay = self._backoff(attempt)
            log.info("market stream lost (%s); reconnecting in %.2f s", cause, delay)
            self._set_state(ConnectionState.RECONNECTING, f"{cause}; retrying in {delay:.1f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        self._set_state(ConnectionState.STOPPED, "stopped")

    # internals ---------------------------------------------------------------------------

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one connection until it fails; return whether any message arrived."""
        self._ws = ws
        self._outbox = asyncio.Queue()
        got_messages = False
        for channel in self._channels:
            self._outbox.put_nowait(frames.encode_text(frames.subscribe(channel, f"sub-{channel}")))
        self._set_state(ConnectionState.CONNECTED, f"connected to {self.ws_url}")
        self._connected.set()
        writer = asyncio.create_task(self._write(ws, self._outbox))
        try:
            while not self._stop.is_set():
                try:
                    async with asyncio.timeout(self._silence_timeout):
                        frame = await ws.recv()
                except TimeoutError:
                    log.warning("no message for %.0f s: connection is dead", self._silence_timeout)
                    raise
                got_messages = True
                self.last_message_at = self._clock()
                self._handle(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return got_messages

    async def _write(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await ws.send(await outbox.get())

    def _send(self, message: Mapping[str, Any]) -> None:
        if self._outbox is not None:
            self._outbox.put_nowait(frames.encode_text(dict(message)))

    def _handle(self, frame: str | bytes) -> None:
        try:
            message = frames.decode(frame)
        except frames.FrameError as exc:
            log.warning("skipping malformed frame: %s", exc)
            return
        ping = frames.ping_value(message)
        if ping is not None:
            self._send(frames.pong(ping))
            return
        if frames.pong_value(message) is not None:
            return
        if "event_rep" in message:
            self._handle_reply(message)
            return
        try:
            event = self._decode_push(message)
        except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
            log.warning("skipping malformed push on %r: %s", str(message.get("channel"))[:60], exc)
            return
        if event is not None:
            self._emit(event)

    def _decode_push(self, message: Mapping[str, Any]) -> StreamEvent | None:
        name = message["channel"]
        parsed = channels.parse(name)
        if parsed is None:
            raise ValueError("not a channel of the protocol")
        if name not in self._channels:
            return None  # still in flight after an unsubscribe
        ts = message["ts"]
        if isinstance(ts, bool) or not isinstance(ts, int):
            raise ValueError(f"'ts' {ts!r} is not an integer")
        tick = message["tick"]
        if not isinstance(tick, Mapping):
            raise ValueError("'tick' is not an object")
        match parsed.kind:
            case ChannelKind.TICKER:
                return TickerEvent(codec.ticker_from_push(parsed.symbol, ts, tick))
            case ChannelKind.DEPTH:
                return DepthEvent(parsed.symbol, parsed.step, codec.depth_from_push(ts, tick))
            case ChannelKind.TRADE:
                data = tick["data"]
                if not isinstance(data, list):
                    raise ValueError("'tick.data' is not a list")
                trades = tuple(codec.trade_from_push(item) for item in data)
                return TradesEvent(parsed.symbol, trades)
            case ChannelKind.KLINE:
                return KlineEvent(parsed.symbol, parsed.interval, codec.kline_from_push(tick))
        return None

    def _handle_reply(self, message: Mapping[str, Any]) -> None:
        kind = message.get("event_rep")
        ok = message.get("status") == "ok"
        channel = str(message.get("channel", ""))
        cb_id = message.get("cb_id")
        if not isinstance(cb_id, str) and not ok and kind in ("req", "error"):
            # PROTOCOL.md's error reply carries no cb_id: it answers the oldest pending
            # request for its channel.
            cb_id = next((c for c, ch in self._pending_channel.items() if ch == channel), None)
        future = self._pending.get(cb_id) if isinstance(cb_id, str) else None
        if future is not None and not future.done():
            if not ok:
                future.set_exception(ApiError("error", str(message.get("err_msg", ""))))
            elif isinstance(message.get("data"), list):
                future.set_result(message["data"])
            else:
                future.set_exception(BadResponse(f"answer to {channel} has no data list"))
            return
        if ok:
            log.debug("%s %s", kind, channel)
            return
        err = str(message.get("err_msg", "refused"))
        log.warning("server refused %s %s: %s", kind, channel, err)
        if kind == "sub" and channel in self._channels:
            del self._channels[channel]  # never retry a subscription the server refuses
        self._emit(StatusEvent(self.state, f"{channel or kind}: {err}"))

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(TransportError("market stream disconnected"))

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_max, self._backoff_initial * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        self._emit(StatusEvent(state, detail))

    def _emit(self, event: StreamEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("market stream consumer failed on %s", type(event).__name__)
