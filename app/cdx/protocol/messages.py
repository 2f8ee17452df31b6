"""WebSocket messages of PROTOCOL.md section 6 as values, in both directions.

Every message shape lives here, so the client's stream, the server's socket and `doctor` only
pump frames (the way `websockets` keeps every frame shape in its protocol layer): a client
sends `Sub`, `Unsub`, `Req`, `Ping` and `Pong`; a server answers `Subed`, `Unsubed`, `Rep` or
`ErrorReply`, pings with `Ping`, and pushes `TickerPush`, `DepthPush`, `TradePush` and
`KlinePush`. Each value's `encode()` gives the JSON object of the wire, field for field in the
documented order; `parse_client` and `parse_server` turn a decoded frame back into a value.

Parsing is the gate of STYLE.md section 7: push values and `req` answers pass the one gate of
`cdx.protocol.codec` (a bad level, trade or bar costs that entry, a bad `ts` or a missing list
the message), and anything that is none of these shapes raises `MessageError`, never anything
else. The server's own error texts live here too: a client message it cannot serve raises
`RequestError`, whose `reply` is the answer to send, so the wire does not depend on who reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.symbol import Symbol
from cdx.protocol import channels, codec, gate
from cdx.protocol.channels import Channel, ChannelKind
from cdx.protocol.envelope import MAX_MSG_TEXT
from cdx.protocol.limits import MAX_NUMBER_TEXT
from cdx.protocol.market_data import DepthMemo

EVENTS: tuple[str, ...] = ("sub", "unsub", "req")
"""The `event` values a client may send."""

OK = "ok"
ERROR = "error"
"""The two `status` values of a reply; `ERROR` is also the `event_rep` of an error that names
no event of its own (a frame that is not JSON, a message without `event`)."""

MAX_SHOWN_EVENT = 20
"""Characters of an unknown `event` quoted back in the error reply."""


class MessageError(ValueError):
    """A message that is none of the shapes of section 6, or whose values the gate refuses.

    `tag` is the `cb_id` it carried when that much could be read, so whoever waits on that
    request can fail it at once instead of at its deadline.
    """

    def __init__(self, text: str, tag: str | None = None) -> None:
        super().__init__(text)
        self.tag = tag


class RequestError(MessageError):
    """A client message the server cannot serve; answer it with `reply` and keep the
    connection open (PROTOCOL.md section 6)."""

    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(reply.reason, reply.tag)
        self.reply = reply


# Client to server ------------------------------------------------------------------------------


def _event(event: str, channel: str, tag: str | None) -> dict[str, Any]:
    params: dict[str, str] = {"channel": channel}
    if tag is not None:
        params["cb_id"] = tag
    return {"event": event, "params": params}


@dataclass(frozen=True, slots=True)
class Sub:
    """Subscribe to `channel`; `tag` is the client's own label (`cb_id`), echoed in replies."""

    channel: str
    tag: str | None = None

    EVENT: ClassVar[str] = "sub"

    def encode(self) -> dict[str, Any]:
        return _event(self.EVENT, self.channel, self.tag)


@dataclass(frozen=True, slots=True)
class Unsub:
    """Stop pushes of `channel`."""

    channel: str
    tag: str | None = None

    EVENT: ClassVar[str] = "unsub"

    def encode(self) -> dict[str, Any]:
        return _event(self.EVENT, self.channel, self.tag)


@dataclass(frozen=True, slots=True)
class Req:
    """A one-shot request for the bars or trades of a kline or trade channel."""

    channel: str
    tag: str | None = None

    EVENT: ClassVar[str] = "req"

    def encode(self) -> dict[str, Any]:
        return _event(self.EVENT, self.channel, self.tag)


@dataclass(frozen=True, slots=True)
class Ping:
    """A heartbeat either side may send; the other answers `Pong` with the same number."""

    value: int

    def encode(self) -> dict[str, Any]:
        return {"ping": self.value}


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to `Ping(value)`."""

    value: int

    def encode(self) -> dict[str, Any]:
        return {"pong": self.value}


ClientMessage = Sub | Unsub | Req | Ping | Pong

_CLIENT_EVENTS: dict[str, type[Sub] | type[Unsub] | type[Req]] = {
    cls.EVENT: cls for cls in (Sub, Unsub, Req)
}


def _heartbeat(message: Mapping[str, Any], key: str) -> int | None:
    """The number of a `{key: n}` message, or None if the message is not that heartbeat.

    Any JSON integer the frame reader reads (at most `MAX_NUMBER_TEXT` characters) is a
    heartbeat number, so the answer can always be written back.
    """
    value = message.get(key) if len(message) == 1 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return int(value) if -_HEARTBEAT_BOUND < value < _HEARTBEAT_BOUND else None


_HEARTBEAT_BOUND = 10**MAX_NUMBER_TEXT


def parse_client(message: Mapping[str, Any]) -> ClientMessage:
    """A message a client sent, checked field by field.

    Raises `RequestError` carrying the error reply of section 6 (it echoes a string `cb_id`,
    PROTOCOL.md 9.2). Whether the channel exists is the server's business, not checked here.
    """
    if not isinstance(message, Mapping):
        raise RequestError(ErrorReply(ERROR, "", "message is not a JSON object"))
    if (value := _heartbeat(message, "ping")) is not None:
        return Ping(value)
    if (value := _heartbeat(message, "pong")) is not None:
        return Pong(value)
    params = message.get("params")
    params = params if isinstance(params, Mapping) else {}
    name, tag = params.get("channel"), params.get("cb_id")
    echo = tag if isinstance(tag, str) else None
    event = message.get("event")
    if not isinstance(event, str):
        raise RequestError(
            ErrorReply(ERROR, "", "message has no 'event'; use sub, unsub or req", echo)
        )
    if event not in _CLIENT_EVENTS:
        # The error names the channel the message named, as every other error reply does.
        shown = event if len(event) <= MAX_SHOWN_EVENT else event[:MAX_SHOWN_EVENT] + "..."
        channel = name if isinstance(name, str) else ""
        reason = f"unknown event {shown!r}; use sub, unsub or req"
        raise RequestError(ErrorReply(event, channel, reason, echo))
    if not isinstance(name, str):
        raise RequestError(ErrorReply(event, "", "params.channel is missing or not a string", echo))
    if tag is not None and not isinstance(tag, str):
        raise RequestError(ErrorReply(event, name, "params.cb_id must be a string"))
    return _CLIENT_EVENTS[event](name, tag)


# Replies ---------------------------------------------------------------------------------------


def _ok(event_rep: str, channel: str, tag: str | None, ts: int | None) -> dict[str, Any]:
    reply: dict[str, Any] = {"event_rep": event_rep, "channel": channel}
    if tag is not None:
        reply["cb_id"] = tag
    if ts is not None:
        reply["ts"] = ts
    reply["status"] = OK
    return reply


@dataclass(frozen=True, slots=True)
class Subed:
    """The server accepted a `Sub`; the channel's current state follows at once."""

    channel: str
    ts: int | None = None
    tag: str | None = None

    EVENT_REP: ClassVar[str] = "subed"

    def encode(self) -> dict[str, Any]:
        return _ok(self.EVENT_REP, self.channel, self.tag, self.ts)


@dataclass(frozen=True, slots=True)
class Unsubed:
    """The server stopped the channel's pushes."""

    channel: str
    ts: int | None = None
    tag: str | None = None

    EVENT_REP: ClassVar[str] = "unsubed"

    def encode(self) -> dict[str, Any]:
        return _ok(self.EVENT_REP, self.channel, self.tag, self.ts)


@dataclass(frozen=True, slots=True)
class Rep:
    """The answer to a `Req`: bars oldest first (kline channel) or trades newest first (trade
    channel), each encoded as in a push."""

    channel: str
    items: tuple[Kline, ...] | tuple[Trade, ...]
    ts: int | None = None
    tag: str | None = None

    EVENT_REP: ClassVar[str] = "rep"

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        reply = _ok(self.EVENT_REP, self.channel, self.tag, self.ts)
        reply["data"] = [
            codec.kline_to_push_tick(item, symbol)
            if isinstance(item, Kline)
            else codec.trade_to_push(item, symbol)
            for item in self.items
        ]
        return reply


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """A refusal: `event` is the event refused (or `"error"`), `reason` says why in words a
    user can act on. The connection stays open."""

    event: str
    channel: str
    reason: str
    tag: str | None = None

    def encode(self) -> dict[str, Any]:
        reply: dict[str, Any] = {"event_rep": self.event, "channel": self.channel}
        if self.tag is not None:
            reply["cb_id"] = self.tag
        reply["status"] = ERROR
        reply["err_msg"] = self.reason
        return reply


Reply = Subed | Unsubed | Rep | ErrorReply


def _optional_text(message: Mapping[str, Any], key: str, tag: str | None = None) -> str | None:
    value = message.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MessageError(f"reply {key!r} is {gate.shown(value)}, not a string", tag)


def _reply_time(value: Any) -> int | None:
    """A reply's `ts` informs (doctor reads the server's clock from it) but is not what the
    reply says: one missing or outside the gate's window is read as None, not refused."""
    try:
        return gate.time_ms(value)
    except ValueError:
        return None


def parse_reply(message: Mapping[str, Any], symbols: Mapping[str, Symbol] | None = None) -> Reply:
    """A message holding `event_rep`. A reply without `channel` reads as channel `""`; an
    error without `err_msg` has reason `""`. A `rep`'s entries pass the gate (with the
    symbol's precisions when `symbols` knows it); a bad entry is skipped, a missing list
    refuses the reply with its `tag`."""
    tag = _optional_text(message, "cb_id")
    kind = message.get("event_rep")
    if not isinstance(kind, str):
        raise MessageError(f"'event_rep' is {gate.shown(kind)}, not a string", tag)
    channel = _optional_text(message, "channel", tag) or ""
    status = message.get("status")
    if status == ERROR:
        reason = _optional_text(message, "err_msg", tag) or ""
        return ErrorReply(kind, channel, reason[:MAX_MSG_TEXT], tag)
    if status != OK:
        raise MessageError(f"reply status {gate.shown(status)} is neither ok nor error", tag)
    ts = _reply_time(message.get("ts"))
    if kind == Subed.EVENT_REP:
        return Subed(channel, ts, tag)
    if kind == Unsubed.EVENT_REP:
        return Unsubed(channel, ts, tag)
    if kind == Rep.EVENT_REP:
        return Rep(channel, _rep_items(channel, message.get("data"), symbols, tag), ts, tag)
    raise MessageError(f"unknown reply {gate.shown(kind)}", tag)


def _rep_items(
    name: str, data: Any, symbols: Mapping[str, Symbol] | None, tag: str | None
) -> tuple[Kline, ...] | tuple[Trade, ...]:
    parsed = channels.parse(name)
    if parsed is None or parsed.kind not in (ChannelKind.KLINE, ChannelKind.TRADE):
        raise MessageError(f"answer on {gate.shown(name)}, not a kline or trade channel", tag)
    symbol = symbols.get(parsed.symbol) if symbols is not None else None
    try:
        if parsed.kind is ChannelKind.KLINE:
            return tuple(codec.klines_from_req(data, symbol=symbol))
        return tuple(codec.trades_from_req(data, symbol=symbol))
    except codec.CodecError as exc:
        raise MessageError(f"answer to {name}: {exc}", tag) from None


# Pushes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PushBody:
    """What a push says, encoded, without when it is sent.

    The server encodes it once per change of the channel, compares it with what a connection
    was last sent, and stamps it with `at(ts)` for every connection that wants it.
    """

    channel: str
    tick: dict[str, Any]

    def at(self, ts: int) -> dict[str, Any]:
        return {"channel": self.channel, "ts": ts, "tick": self.tick}


@dataclass(frozen=True, slots=True)
class TickerPush:
    """The 24 h statistics of a ticker channel (no best bid/ask on this channel)."""

    ticker: Ticker
    ts: int

    @property
    def channel(self) -> str:
        return channels.ticker(self.ticker.symbol)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.ticker_to_push_tick(self.ticker, symbol))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class DepthPush:
    """A full snapshot of a depth channel at `step` (not a diff): replace what was shown."""

    symbol: str
    step: int
    book: Book
    ts: int

    @property
    def channel(self) -> str:
        return channels.depth(self.symbol, self.step)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.depth_to_push_tick(self.book, symbol, self.step))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class TradePush:
    """Every trade since the previous push of the channel, newest first as sent."""

    symbol: str
    trades: tuple[Trade, ...]
    ts: int

    @property
    def channel(self) -> str:
        return channels.trade(self.symbol)

    def body(self, symbol: Symbol) -> PushBody:
        data = [codec.trade_to_push(trade, symbol) for trade in self.trades]
        return PushBody(self.channel, {"data": data})

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


@dataclass(frozen=True, slots=True)
class KlinePush:
    """The current bar of a kline channel of `interval` (`1min` .. `1month`)."""

    symbol: str
    interval: str
    kline: Kline
    ts: int

    @property
    def channel(self) -> str:
        return channels.kline(self.symbol, self.interval)

    def body(self, symbol: Symbol) -> PushBody:
        return PushBody(self.channel, codec.kline_to_push_tick(self.kline, symbol))

    def encode(self, symbol: Symbol) -> dict[str, Any]:
        return self.body(symbol).at(self.ts)


Push = TickerPush | DepthPush | TradePush | KlinePush


def parse_push(
    message: Mapping[str, Any],
    symbols: Mapping[str, Symbol] | None = None,
    memos: MutableMapping[str, DepthMemo] | None = None,
) -> Push:
    """A push: its channel must be one of the protocol, its `ts` pass the gate and its `tick`
    be an object (any of these wrong refuses the push); with the channel's symbol in
    `symbols`, prices and amounts must also fit its precisions.

    `memos` (channel name -> `DepthMemo`, kept by the reader) makes depth decoding
    incremental: a reader that keeps one converts only the levels that changed since the
    channel's recent pushes, and gets the same `Book` as without it."""
    name = message.get("channel")
    channel = channels.parse(name) if isinstance(name, str) else None
    if channel is None:
        raise MessageError(f"push on {gate.shown(name)}, not a channel of the protocol")
    symbol = symbols.get(channel.symbol) if symbols is not None else None
    try:
        ts = codec.time_ms(message.get("ts"))
        tick = message.get("tick")
        if not isinstance(tick, Mapping):
            raise codec.CodecError(f"'tick' is {gate.shown(tick)}, not an object")
        memo = None
        if memos is not None and channel.kind is ChannelKind.DEPTH:
            memo = memos.get(channel.name) or memos.setdefault(channel.name, DepthMemo())
        return _push(channel, ts, tick, symbol, memo)
    except codec.CodecError as exc:
        raise MessageError(f"push on {channel.name}: {exc}") from None


def _push(
    channel: Channel,
    ts: int,
    tick: Mapping[str, Any],
    symbol: Symbol | None,
    memo: DepthMemo | None = None,
) -> Push:
    match channel.kind:
        case ChannelKind.TICKER:
            return TickerPush(codec.ticker_from_push(channel.symbol, ts, tick, symbol=symbol), ts)
        case ChannelKind.DEPTH:
            book = codec.depth_from_push(ts, tick, symbol=symbol, memo=memo)
            return DepthPush(channel.symbol, channel.step, book, ts)
        case ChannelKind.TRADE:
            return TradePush(channel.symbol, codec.trades_from_push(tick, symbol=symbol), ts)
        case ChannelKind.KLINE:
            bar = codec.kline_from_push(tick, symbol=symbol)
            return KlinePush(channel.symbol, channel.interval, bar, ts)
    raise codec.CodecError(f"no push on {channel.name}")


ServerMessage = Ping | Pong | Reply | Push


def snapshot_channel(message: Mapping[str, Any]) -> str | None:
    """The channel of a push that replaces the previous one whole (depth and ticker: full
    snapshots, PROTOCOL.md section 6), or None for every other message.

    Read from the decoded frame before the gate, so a reader that fell behind can skip the
    snapshots a newer one of the same channel replaces without checking them. Trade pushes
    (each carries different trades) and kline pushes (a bar's last update before the next
    bar) are not snapshots of this kind; heartbeats and replies are not pushes.
    """
    name = message.get("channel")
    if type(name) is not str or "event_rep" in message:
        return None
    channel = channels.parse(name)
    if channel is None or channel.kind not in (ChannelKind.DEPTH, ChannelKind.TICKER):
        return None
    return name


def parse_server(
    message: Mapping[str, Any],
    symbols: Mapping[str, Symbol] | None = None,
    memos: MutableMapping[str, DepthMemo] | None = None,
) -> ServerMessage:
    """A message a server sent: a heartbeat, a reply (it holds `event_rep`) or a push.

    Raises `MessageError` for anything else; see `parse_reply` and `parse_push` (`memos`).
    """
    if not isinstance(message, Mapping):
        raise MessageError(f"message is {gate.shown(message)}, not an object")
    if (value := _heartbeat(message, "ping")) is not None:
        return Ping(value)
    if (value := _heartbeat(message, "pong")) is not None:
        return Pong(value)
    if "event_rep" in message:
        return parse_reply(message, symbols)
    return parse_push(message, symbols, memos)
