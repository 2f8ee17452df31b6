"""WebSocket frames (PROTOCOL.md section 6): gzip JSON from the server, text JSON from clients."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from typing import Any, NamedTuple

from cdx.protocol.envelope import loads_json_object
from cdx.protocol.limits import MAX_FRAME_INFLATED, MAX_JSON_TEXT

_GZIP_MAGIC = b"\x1f\x8b"


class FrameError(ValueError):
    """A frame that cannot be decoded: bad gzip, inflating too far, bad UTF-8, bad or too deeply
    nested JSON, or not an object."""


def encode(message: dict[str, Any]) -> bytes:
    """A server-to-client frame: gzip-compressed compact UTF-8 JSON, sent as a binary frame."""
    raw = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(raw, compresslevel=6, mtime=0)


def encode_text(message: dict[str, Any]) -> str:
    """A client-to-server frame: uncompressed JSON for a text frame."""
    return json.dumps(message, separators=(",", ":"))


def decode(frame: bytes | str) -> dict[str, Any]:
    """Decode a frame of either kind into a JSON object, numbers as `Decimal`/`int`.

    Binary frames are gunzipped (a binary frame that is not gzip is tried as plain JSON, as some
    servers of the family send); text frames are parsed as they are. A gzip frame is inflated a
    bounded piece at a time and refused with `FrameError` as soon as it would pass
    `MAX_FRAME_INFLATED` bytes, so a small frame that inflates to gigabytes costs a few
    milliseconds and a few MiB. Everything else wrong (bad gzip, bad UTF-8, bad or too deeply
    nested JSON, not an object) is also a `FrameError`.
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return _parse(_inflate(frame))
    if isinstance(frame, str):
        return _parse(frame)
    raise FrameError(f"unexpected frame type {type(frame).__name__}")


def read(frame: bytes | str) -> dict[str, Any] | DepthText:
    """`decode(frame)`, except that a depth push in the layout `encode` writes is not parsed:
    it is kept as `DepthText`, whose rows a reader looks up by their text.

    A depth push is the frame that comes ten times a second per channel, a full snapshot of
    which a handful of rows changed, and parsing its JSON cost more than all the rest of
    reading it. Every other frame, and a depth push written any other way, is `decode`d.
    """
    if not isinstance(frame, bytes | bytearray | memoryview):
        return decode(frame)
    data = _inflate(frame)
    match = _DEPTH_LAYOUT.fullmatch(data) if len(data) <= MAX_JSON_TEXT else None
    if match is None:
        return _parse(data)
    channel, ts, asks, buys = match.groups()
    return DepthText(channel.decode(), int(ts), asks, buys, data)


class DepthText(NamedTuple):
    """A depth push kept as the text `encode` wrote, its JSON checked but not parsed.

    `asks` and `buys` are each side's rows as written, without the side's brackets
    (`b'["27001.00","0.250000"],["27001.50","1.000000"]'`, or `b""` for none): every row is two
    strings of ASCII digits and points (`_DEPTH_LAYOUT`), so splitting at `"],["` gives each
    row's exact text. `message()` is what `decode` gives for the same frame.
    """

    channel: str
    ts: int
    asks: bytes
    buys: bytes
    text: bytes

    def message(self) -> dict[str, Any]:
        return _parse(self.text)


_ROW = rb'\["[0-9.]{1,64}+","[0-9.]{1,64}+"\]'
_ROWS = rb"((?:" + _ROW + rb"(?:," + _ROW + rb")*+)?)"
_DEPTH_LAYOUT = re.compile(
    rb'\{"channel":"([a-z0-9_]{1,64}+)","ts":([1-9][0-9]{0,17}+),"tick":\{"asks":\['
    + _ROWS
    + rb'\],"buys":\['
    + _ROWS
    + rb"\]\}\}"
)
"""A depth push exactly as `encode` writes one: compact JSON, keys in this order, an integer
`ts`, prices and amounts as strings of digits and points (at most 64, as `MAX_NUMBER_TEXT`).
Text it matches is JSON (ASCII, no escapes, nothing nested deeper than four), and what JSON
makes of it is plain from the text; whatever else a server writes is left to `decode`.
Possessive, so a near miss fails in one pass, at a small part of what parsing costs."""


def _inflate(frame: bytes | bytearray | memoryview) -> bytes:
    data = bytes(frame)
    return _gunzip(data, MAX_FRAME_INFLATED) if data[:2] == _GZIP_MAGIC else data


def _parse(data: bytes | str) -> dict[str, Any]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("frame is not UTF-8") from None
    return loads_json_object(data, "frame", FrameError)


def _gunzip(data: bytes, limit: int) -> bytes:
    """Inflate every gzip member of `data`, refusing output past `limit` before it is made."""
    members: list[bytes] = []  # one, from every server of the protocol: returned uncopied
    size = 0
    while data:
        if data[:2] != _GZIP_MAGIC:
            raise FrameError("bad gzip frame: trailing data after the gzip stream")
        inflater = zlib.decompressobj(wbits=31)
        try:
            members.append(inflater.decompress(data, limit - size + 1))
        except zlib.error as exc:
            raise FrameError(f"bad gzip frame: {exc}") from None
        size += len(members[-1])
        if size > limit:
            raise FrameError(f"gzip frame inflates past {limit} bytes")
        if not inflater.eof:
            raise FrameError("bad gzip frame: truncated")
        data = inflater.unused_data
    return members[0] if len(members) == 1 else b"".join(members)
