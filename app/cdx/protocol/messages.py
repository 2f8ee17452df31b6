"""WebSocket messages of PROTOCOL.md section 6 as values, in both directions.

Every message shape lives here, so the client's stream, the server's socket and `doctor` only
pump frames (the way `websockets` keeps every frame shape in its protocol layer): a client
sends `Sub`, `Unsub`, `Req`, `Ping` and `Pong`; a server answers `Subed`, `Unsubed`, `Rep` or
`ErrorReply`, pings with `Ping`, and pushes `TickerPush`, `DepthPush`, `TradePush` and
`KlinePush`. Each value's `encode()` gives the JSON object of the wire, field for field in the
documented order; `parse_client` and `parse_server` turn a decoded frame back into a value.
The client's messages and the heartbeats are defined here, the server's replies in
`cdx.protocol.replies` and its pushes in `cdx.protocol.pushes`; all are importable from here.

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

from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.frames import DepthText
from cdx.protocol.limits import MAX_NUMBER_TEXT
from cdx.protocol.market_data import DepthMemo
from cdx.protocol.pushes import (
    DepthPush,
    KlinePush,
    Push,
    PushBody,
    TickerPush,
    TradePush,
    parse_depth_text,
    parse_push,
    snapshot_channel,
)
from cdx.protocol.replies import (
    ERROR,
    OK,
    ErrorReply,
    MessageError,
    Rep,
    Reply,
    RequestError,
    Subed,
    Unsubed,
    parse_reply,
)

__all__ = [
    "ERROR",
    "EVENTS",
    "MAX_SHOWN_EVENT",
    "OK",
    "ClientMessage",
    "DepthPush",
    "ErrorReply",
    "KlinePush",
    "MessageError",
    "Ping",
    "Pong",
    "Push",
    "PushBody",
    "Rep",
    "Reply",
    "Req",
    "RequestError",
    "ServerMessage",
    "Sub",
    "Subed",
    "TickerPush",
    "TradePush",
    "Unsub",
    "Unsubed",
    "parse_client",
    "parse_depth_text",
    "parse_push",
    "parse_reply",
    "parse_server",
    "snapshot_channel",
]

EVENTS: tuple[str, ...] = ("sub", "unsub", "req")
"""The `event` values a client may send."""

MAX_SHOWN_EVENT = 20
"""Characters of an unknown `event` quoted back in the error reply."""


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


ServerMessage = Ping | Pong | Reply | Push


def parse_server(
    message: Mapping[str, Any] | DepthText,
    symbols: Mapping[str, Symbol] | None = None,
    memos: MutableMapping[str, DepthMemo] | None = None,
) -> ServerMessage:
    """A message a server sent: a heartbeat, a reply (it holds `event_rep`) or a push.

    Raises `MessageError` for anything else; see `parse_reply` and `parse_push` (`memos`).
    A depth push kept as text (`frames.read`) is read by `parse_depth_text`.
    """
    if isinstance(message, DepthText):
        return parse_depth_text(message, symbols, memos)
    if not isinstance(message, Mapping):
        raise MessageError(f"message is {gate.shown(message)}, not an object")
    if (value := _heartbeat(message, "ping")) is not None:
        return Ping(value)
    if (value := _heartbeat(message, "pong")) is not None:
        return Pong(value)
    if "event_rep" in message:
        return parse_reply(message, symbols)
    return parse_push(message, symbols, memos)
