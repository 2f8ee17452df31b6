"""Server replies of PROTOCOL.md section 6 as values, and the errors of reading a message.

A server answers a client message with `Subed`, `Unsubed`, `Rep` or `ErrorReply`; each value's
`encode()` gives the JSON object of the wire, field for field in the documented order, and
`parse_reply` reads one back (a `rep`'s entries through the one gate of `cdx.protocol.codec`).
Re-exported by `cdx.protocol.messages`, where callers find every message shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cdx.model.market import Kline, Trade
from cdx.model.symbol import Symbol
from cdx.protocol import channels, codec, gate
from cdx.protocol.channels import ChannelKind
from cdx.protocol.envelope import MAX_MSG_TEXT

OK = "ok"
ERROR = "error"
"""The two `status` values of a reply; `ERROR` is also the `event_rep` of an error that names
no event of its own (a frame that is not JSON, a message without `event`)."""


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
