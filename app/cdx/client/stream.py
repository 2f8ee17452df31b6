"""The market-data WebSocket worker (PROTOCOL.md section 6).

One connection carries every channel the app asked for. `MarketStream.run()` keeps it alive:
it answers the server's pings, pings the server itself whenever nothing arrived for
`ping_idle` seconds (so a quiet but healthy link still proves itself several times a second),
treats `silence_timeout` seconds without any message as a dead connection, reconnects with a
short jittered back-off (reset by every session that heard from the server) and subscribes
again to everything it had. A subscription the server refuses is retried on its own back-off
and reported until it is accepted. Pushes reach the consumer as immutable model events; a
malformed frame is logged and skipped, never half-delivered, and nothing a server sends is
raised out of `run()`.

Behind, it drops to the newest (`cdx.client.backlog`): of the depth and ticker pushes read
together only the newest per channel is decoded and passed on. Depth pushes are decoded
incrementally (`DepthMemo`: only levels not seen recently pass the gate again), and one in
the layout the server writes is read from its text, without parsing it (`frames.read`).

Each event says how old its data already was on arrival (`lag`): the push's `ts` against an
estimate of the server's clock learnt from the stream itself (`cdx.client.server_clock`). Our
own pings' answers need no clock at all: everything sent before the pong has arrived, so the
data is current as of the ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect

from cdx.client.backlog import drain, replaced_snapshots
from cdx.client.errors import ApiError, BadResponse, TransportError
from cdx.client.market_events import (
    ConnectionState,
    HeartbeatEvent,
    StatusEvent,
    StreamEvent,
    SubscriptionEvent,
)
from cdx.client.market_events import DepthEvent as DepthEvent  # re-exported for the UI
from cdx.client.market_events import KlineEvent as KlineEvent
from cdx.client.market_events import TickerEvent as TickerEvent
from cdx.client.market_events import TradesEvent as TradesEvent
from cdx.client.push_events import event_of_push
from cdx.client.server_clock import ServerClock, ping_time
from cdx.client.subscription_retry import RefusedChannel, jittered
from cdx.client.transport_security import is_loopback
from cdx.model.symbol import Symbol
from cdx.protocol import channels, frames, messages
from cdx.protocol.channels import ChannelKind
from cdx.protocol.market_data import DepthMemo

log = logging.getLogger(__name__)

PING_IDLE_S = 0.5
"""Send our own `Ping` after this long without any message, and again every this long
while the silence lasts (PROTOCOL.md section 6 lets a client ping). A healthy server answers at
once, so a live link is never quiet for more than this plus one round trip: the UI can call data
stale after 1 s of silence without a quiet market looking dead. Costs a few bytes a second, and
only while nothing else arrives."""

SILENCE_TIMEOUT_S = 15.0
"""PROTOCOL.md section 6: 15 s without any message is a dead connection."""

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 1.0
"""Reconnect delays double from `BACKOFF_INITIAL_S` up to this cap (each jittered down to half,
so clients that lost the same server do not return in step). The cap bounds how long a server
that has recovered waits for us: at most 1 s, plus a connect and the subscription snapshot,
keeps data live again within 2 s of the recovery. A session that heard from the server resets
the back-off, so a long stall costs one short delay, not a growing one."""

SUB_RETRY_INITIAL_S = 1.0
SUB_RETRY_MAX_S = 5.0
"""A refused subscription is sent again after a delay doubling from 1 s up to 5 s (jittered):
a refusal is the server's decision, often lasting (an unknown symbol), so retrying is slower
than reconnecting, yet a feed the server accepts again is back within 5 s."""

OPEN_TIMEOUT_S = 5.0
"""Connect + TLS + upgrade: far longer than a healthy handshake over a slow link needs, short
enough that a server that accepts and then hangs is retried instead of waited on."""

CLOSE_TIMEOUT_S = 1.0
"""How long a close handshake may take on `stop()`; a connection found dead is aborted instead."""

MAX_FRAME_BYTES = 1024 * 1024
"""Largest WebSocket message accepted, as received (and after permessage-deflate, which
websockets also bounds by it): the largest real frame (a 300-bar kline answer) is ~40 kB.
A larger one closes the connection (1009) and the stream reconnects. The size a gzip frame
may inflate to is bounded separately, by `frames.decode`."""

MAX_REASON_CHARS = 80
"""Characters of a server's refusal reason passed on to the UI."""

MAX_PINGS_TRACKED = 64
"""Our pings remembered until answered (an unanswered one is forgotten past this many)."""


class MarketStream:
    """One WebSocket connection for all market channels, kept alive until `stop()`.

    `subscribe`/`unsubscribe` may be called at any time, before or during `run()`; the set of
    channels survives reconnects. `on_event` is called on the event loop for every push and
    state change; an exception it raises is logged and does not stop the stream. `clock` only
    stamps `last_message_at` (so the UI can show staleness); `rng` jitters the back-offs.
    Deadlines (`ping_idle`, `silence_timeout`, the back-offs, `open_timeout`) run on the event
    loop's clock; the defaults are the module constants, tests pass shorter ones.
    """

    def __init__(
        self,
        ws_url: str,
        on_event: Callable[[StreamEvent], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        ping_idle: float = PING_IDLE_S,
        silence_timeout: float = SILENCE_TIMEOUT_S,
        backoff_initial: float = BACKOFF_INITIAL_S,
        backoff_max: float = BACKOFF_MAX_S,
        sub_retry_initial: float = SUB_RETRY_INITIAL_S,
        sub_retry_max: float = SUB_RETRY_MAX_S,
        rng: random.Random | None = None,
        open_timeout: float = OPEN_TIMEOUT_S,
        close_timeout: float = CLOSE_TIMEOUT_S,
        max_size: int = MAX_FRAME_BYTES,
    ) -> None:
        self.ws_url = ws_url
        self._loopback = is_loopback(urlsplit(ws_url).hostname or "")
        self.state = ConnectionState.CONNECTING
        self.last_message_at: float | None = None
        self._on_event = on_event
        self._clock = clock
        self._ping_idle = ping_idle
        self._silence_timeout = silence_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._sub_retry_initial = sub_retry_initial
        self._sub_retry_max = sub_retry_max
        self._rng = rng or random.Random()
        self._open_timeout = open_timeout
        self._close_timeout = close_timeout
        self._max_size = max_size
        self._got_messages = False  # whether the current session has heard from the server
        self._ping_ids = itertools.count(1)
        self._refusals: dict[str, RefusedChannel] = {}
        self._channels: dict[str, None] = {}  # insertion-ordered set
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._stop = asyncio.Event()
        self._connected = asyncio.Event()
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._pending_channel: dict[str, str] = {}  # tag -> channel of a pending `req`
        self._tags = itertools.count(1)
        self._memos: dict[str, DepthMemo] = {}  # depth channel -> levels of recent snapshots
        self._server_clock = ServerClock()
        self._pings_sent: dict[int, float] = {}  # our ping id -> our clock when sent
        self.symbols: dict[str, Symbol] = {}
        """Symbols by name, once known: pushes of a symbol here are checked against its
        precisions by the codec's gate (the app fills this when it has loaded them)."""

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the stream keeps subscribed."""
        return tuple(self._channels)

    def subscribe(self, channel: str) -> None:
        """Keep `channel` subscribed from now on (sent at once if connected)."""
        if channel in self._channels:
            return
        self._channels[channel] = None
        self._send(_sub(channel))

    @property
    def refused(self) -> Mapping[str, str]:
        """Channels the server refused and the stream keeps retrying, with the reason."""
        return {channel: refusal.reason for channel, refusal in self._refusals.items()}

    def unsubscribe(self, channel: str) -> None:
        """Stop `channel`; pushes still in flight for it are dropped, a refusal is forgotten."""
        if channel in self._channels:
            del self._channels[channel]
            self._send(messages.Unsub(channel))
        self._memos.pop(channel, None)
        refusal = self._refusals.pop(channel, None)
        if refusal is not None:
            refusal.cancel()
            self._emit(SubscriptionEvent(channel, None))

    async def request(self, channel: str, timeout: float = 5.0) -> list[Any]:
        """A one-shot `req`: klines (as `Kline`, oldest first) or trades (as `Trade`).

        Waits for a connection if there is none yet. Raises `TransportError` if no answer comes
        within `timeout`, `ApiError` if the server refuses, `BadResponse` if the answer is
        malformed.
        """
        parsed = channels.parse(channel)
        if parsed is None or parsed.kind not in (ChannelKind.KLINE, ChannelKind.TRADE):
            raise ValueError(f"{channel!r} is not a kline or trade channel")
        tag = f"req-{next(self._tags)}"
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[tag] = future
        self._pending_channel[tag] = channel
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
                self._send(messages.Req(channel, tag))
                return await future
        except TimeoutError:
            raise TransportError(f"no answer to {channel} within {timeout:g} s") from None
        finally:
            self._pending.pop(tag, None)
            self._pending_channel.pop(tag, None)

    def stop(self) -> None:
        """Close the connection and make `run()` return; safe to call more than once."""
        self._stop.set()
        for refusal in self._refusals.values():
            refusal.cancel()
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
            self._got_messages = False
            try:
                async with connect(
                    self.ws_url,
                    open_timeout=self._open_timeout,
                    ping_interval=None,  # the protocol has its own JSON heartbeat
                    max_size=self._max_size,
                    proxy=None if self._loopback else True,
                    close_timeout=self._close_timeout,
                ) as ws:
                    cause = await self._session(ws)
            except (OSError, TimeoutError, websockets.WebSocketException) as exc:
                # The message may quote the server (a status line, a header): keep it printable.
                cause = _printable(
                    f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                )
            finally:
                self._ws = None
                self._outbox = None
                self._connected.clear()
                self._fail_pending()
                for refusal in self._refusals.values():
                    refusal.cancel()  # the next session subscribes to every channel again
            if self._stop.is_set():
                break
            # However the session ended (closed, silent, failed), one that heard from the
            # server proves it was reachable: start the back-off again from the shortest delay.
            attempt = 1 if self._got_messages else attempt + 1
            delay = self._backoff(attempt)
            log.info("market stream lost (%s); reconnecting in %.2f s", cause, delay)
            self._set_state(ConnectionState.RECONNECTING, f"{cause}; retrying in {delay:.1f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
        self._set_state(ConnectionState.STOPPED, "stopped")

    # internals ---------------------------------------------------------------------------

    async def _session(self, ws: ClientConnection) -> str:
        """Serve one connection until it ends; return why it ended.

        Pings the server after `ping_idle` seconds without a message (and every `ping_idle`
        while the silence lasts), so a quiet link still carries a message several times a
        second; `silence_timeout` seconds without any message abort the connection (no close
        handshake: a peer that said nothing for that long will not answer one either).
        `_got_messages` records whether the server was heard, whatever the ending.
        """
        self._ws = ws
        self._outbox = asyncio.Queue()
        self._server_clock.reset()  # another connection may reach another server
        self._pings_sent.clear()
        for channel in self._channels:
            self._outbox.put_nowait(frames.encode_text(_sub(channel).encode()))
        self._set_state(ConnectionState.CONNECTED, f"connected to {self.ws_url}")
        self._connected.set()
        writer = asyncio.create_task(self._write(ws, self._outbox))
        loop = asyncio.get_running_loop()
        heard_at = pinged_at = loop.time()
        try:
            while not self._stop.is_set():
                dead_at = heard_at + self._silence_timeout
                ping_at = max(heard_at, pinged_at) + self._ping_idle
                try:
                    async with asyncio.timeout_at(min(dead_at, ping_at)):
                        frame = await ws.recv()
                except TimeoutError:
                    pinged_at = loop.time()
                    if pinged_at >= dead_at:
                        log.warning(
                            "no message for %.0f s: connection is dead", self._silence_timeout
                        )
                        ws.transport.abort()
                        return f"no message for {self._silence_timeout:g} s"
                    self._ping()
                    continue
                heard_at = loop.time()
                self._got_messages = True
                batch = [frame]
                await drain(ws, batch)
                self.last_message_at = self._clock()
                self._handle_batch(batch)
        except websockets.ConnectionClosed as exc:
            return _printable(f"connection closed: {exc}")
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return "stopped"

    async def _write(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await ws.send(await outbox.get())

    def _send(self, message: messages.ClientMessage) -> None:
        if self._outbox is not None:
            self._outbox.put_nowait(frames.encode_text(message.encode()))

    def _ping(self) -> None:
        """Ping the server, remembering when: its answer proves the data current as of then."""
        ping_id = next(self._ping_ids)
        if len(self._pings_sent) >= MAX_PINGS_TRACKED:
            self._pings_sent.pop(next(iter(self._pings_sent)))
        self._pings_sent[ping_id] = self._clock()
        self._send(messages.Ping(ping_id))

    def _handle_batch(self, batch: list[str | bytes]) -> None:
        """Handle frames that arrived together, in order, skipping replaced snapshots.

        A depth or ticker push followed in the batch by another of the same channel is not
        decoded: the newer replaces it whole. If the newest fails the gate, the one before it
        is tried, so the consumer ends with what handling every push would have left.
        """
        decoded: list[dict[str, Any] | frames.DepthText] = []
        for frame in batch:
            try:
                decoded.append(frames.read(frame, self._memos))
            except frames.FrameError as exc:
                log.warning("skipping malformed frame: %s", exc)
        newest, skip = replaced_snapshots(decoded)
        if skip:
            log.debug("behind: %d snapshots replaced by newer ones", len(skip))
        now = self._clock()
        for index, message in enumerate(decoded):
            if index in skip:
                continue
            try:
                if index in newest:
                    for candidate in reversed(newest[index]):
                        if self._handle(decoded[candidate], now):
                            break
                else:
                    self._handle(message, now)
            except Exception:
                # Nothing a server sends may end the stream; `_handle` skips what it knows
                # to be malformed, this catches what nobody foresaw.
                log.exception("skipping a frame that could not be handled")

    def _handle(self, decoded: dict[str, Any] | frames.DepthText, now: float) -> bool:
        """Handle one decoded frame that arrived by `now`; False if it was skipped."""
        try:
            message = messages.parse_server(decoded, self.symbols, self._memos)
        except messages.MessageError as exc:
            log.warning("skipping malformed message: %s", exc)
            future = self._pending.get(exc.tag) if exc.tag is not None else None
            if future is not None and not future.done():
                future.set_exception(BadResponse(f"malformed answer: {exc}"))
            return False
        match message:
            case messages.Ping(value):
                self._send(messages.Pong(value))
                self._emit(HeartbeatEvent(self._server_clock.lag(ping_time(value), now)))
            case messages.Pong(value):
                sent = self._pings_sent.pop(value, None)
                self._emit(HeartbeatEvent(0.0 if sent is None else max(now - sent, 0.0)))
            case messages.Subed() | messages.Unsubed() | messages.Rep() | messages.ErrorReply():
                lag = self._server_clock.lag(getattr(message, "ts", None), now)
                self._handle_reply(message, lag)
            case _ if message.channel not in self._channels:
                pass  # still in flight after an unsubscribe
            case _:
                self._emit(event_of_push(message, self._server_clock.lag(message.ts, now)))
        return True

    def _handle_reply(self, reply: messages.Reply, lag: float = 0.0) -> None:
        channel, tag = reply.channel, reply.tag
        if not channel and tag is not None and tag.startswith("sub-"):
            channel = tag.removeprefix("sub-")  # our own sub tag names its channel
        refused = isinstance(reply, messages.ErrorReply)
        if tag is None and refused and reply.event in (messages.Req.EVENT, messages.ERROR):
            # PROTOCOL.md's error reply carries no tag: it answers the oldest pending
            # request for its channel.
            tag = next((t for t, ch in self._pending_channel.items() if ch == channel), None)
        future = self._pending.get(tag) if tag is not None else None
        if future is not None and not future.done():
            match reply:
                case messages.ErrorReply(reason=reason):
                    future.set_exception(ApiError("error", reason))
                case messages.Rep(items=items):
                    future.set_result(list(items))
                case _:
                    future.set_exception(BadResponse(f"answer to {channel} has no data list"))
            return
        if not isinstance(reply, messages.ErrorReply):
            log.debug("%s %s", type(reply).__name__, _printable(channel))
            if isinstance(reply, messages.Subed) and channel in self._refusals:
                self._refusals.pop(channel).cancel()
                log.info("server accepts %s again", channel)
                self._emit(SubscriptionEvent(channel, None))
            self._emit(HeartbeatEvent(lag))
            return
        err = _printable(reply.reason or "refused")
        kind = reply.event
        sub_events = (messages.Sub.EVENT, messages.Subed.EVENT_REP, messages.ERROR)
        if kind in sub_events and channel in self._channels:
            self._refuse(channel, err)
            return
        log.warning("server refused %s %s: %s", _printable(kind), _printable(channel), err)

    def _refuse(self, channel: str, reason: str) -> None:
        """Report a refused subscription and send it again after its own back-off.

        The channel stays wanted: a refusal may be temporary (a server restarting, a symbol
        not listed yet), and a ladder that silently froze would be worse than a retry every
        few seconds. `unsubscribe` ends the retries.
        """
        refusal = self._refusals.get(channel)
        if refusal is None:
            refusal = self._refusals[channel] = RefusedChannel(0, reason)
        refusal.cancel()
        refusal.attempts += 1
        refusal.reason = reason
        delay = jittered(self._rng, self._sub_retry_initial, self._sub_retry_max, refusal.attempts)
        log.warning("server refused %s: %s; retrying in %.1f s", channel, reason, delay)
        loop = asyncio.get_running_loop()
        refusal.retry = loop.call_later(delay, self._retry_subscription, channel)
        self._emit(SubscriptionEvent(channel, reason))

    def _retry_subscription(self, channel: str) -> None:
        refusal = self._refusals.get(channel)
        if refusal is None or channel not in self._channels:
            return
        refusal.retry = None
        self._send(_sub(channel))

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(TransportError("market stream disconnected"))

    def _backoff(self, attempt: int) -> float:
        return jittered(self._rng, self._backoff_initial, self._backoff_max, attempt)

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        self._emit(StatusEvent(state, detail))

    def _emit(self, event: StreamEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            log.exception("market stream consumer failed on %s", type(event).__name__)


def _sub(channel: str) -> messages.Sub:
    """Our subscriptions are tagged with their channel, so a refusal naming only the tag
    still says which channel it refuses."""
    return messages.Sub(channel, f"sub-{channel}")


def _printable(text: object) -> str:
    """Server text as one short printable line: for log lines and the status bar.

    A reason comes from whoever runs the server; a control character in it could rewrite the
    terminal or forge a log line, and its length is theirs to choose.
    """
    string = text if isinstance(text, str) else str(text)
    shown = "".join(char if char.isprintable() else "?" for char in string[:MAX_REASON_CHARS])
    return shown + ("..." if len(string) > MAX_REASON_CHARS else "")
