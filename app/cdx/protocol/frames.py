"""WebSocket frames (PROTOCOL.md section 6): gzip JSON from the server, text JSON from clients."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from cdx.protocol.envelope import loads_json_object
from cdx.protocol.limits import MAX_FRAME_INFLATED, MAX_JSON_TEXT

if TYPE_CHECKING:
    from cdx.protocol.market_data import DepthMemo

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


def read(
    frame: bytes | str, memos: Mapping[str, DepthMemo] | None = None
) -> dict[str, Any] | DepthText:
    """`decode(frame)`, except that a depth push in the layout `encode` writes is not parsed:
    it is kept as `DepthText`, whose rows a reader looks up by their text.

    A depth push is the frame that comes ten times a second per channel, a full snapshot of
    which a handful of rows changed, and parsing its JSON cost more than all the rest of
    reading it. Every other frame, and a depth push written any other way, is `decode`d.
    With `memos` (the reader's, by channel, as `messages.parse_server` takes them), a row
    its channel's memo holds is known to be in the layout: only the others are matched, and
    what the lookup found travels with the text (`DepthText.known`).
    """
    if not isinstance(frame, bytes | bytearray | memoryview):
        return decode(frame)
    data = _inflate(frame)
    head = _DEPTH_HEAD.match(data)
    if head is None or len(data) > MAX_JSON_TEXT or data[-3:] != b"]}}":
        return _parse(data)
    start = head.end()
    cut = data.find(b"b", start)  # of "buys": a side in the layout holds no letter
    asks, buys = data[start : cut - 3], data[cut + 7 : -3]
    channel = head[1].decode()
    memo = memos.get(channel) if memos is not None else None
    known = memo.rows() if memo is not None else _NONE_KNOWN
    ask_rows = _layout_rows(asks, known) if data[cut - 3 : cut + 7] == b'],"buys":[' else None
    buy_rows = _layout_rows(buys, known) if ask_rows is not None else None
    if ask_rows is None or buy_rows is None:
        return _parse(data)
    return DepthText(channel, int(head[2]), asks, buys, data, ask_rows, buy_rows, known)


class DepthText(NamedTuple):
    """A depth push kept as the text `encode` wrote, its JSON checked but not parsed.

    `asks` and `buys` are each side's rows as written, without the side's brackets
    (`b'["27001.00","0.250000"],["27001.50","1.000000"]'`, or `b""` for none);
    `ask_rows` and `buy_rows` are the same rows one by one (`Rows`), looked up in `known`,
    the reader's memo of the channel as it was when the frame was read. `message()` is what
    `decode` gives for the same frame.
    """

    channel: str
    ts: int
    asks: bytes
    buys: bytes
    text: bytes
    ask_rows: Rows
    buy_rows: Rows
    known: Mapping[Any, Any]

    def message(self) -> dict[str, Any]:
        return _parse(self.text)

    def __repr__(self) -> str:  # not the memo it holds: a log line stays a line
        rows = f"{len(self.ask_rows.text)}+{len(self.buy_rows.text)}"
        return f"DepthText(channel={self.channel!r}, ts={self.ts}, rows={rows})"


class Rows(NamedTuple):
    """One side of a `DepthText`: `text`, the exact text of each row between its outer
    quotes (`b'27001.00","0.250000'`: two strings of ASCII digits and points, `_ROW_TEXT`,
    so the row is plain from its text); `found`, what `DepthText.known` held for each row,
    None where nothing; `new`, the indices of those Nones, in order."""

    text: list[bytes]
    found: list[Any]
    new: list[int]


_DEPTH_HEAD = re.compile(
    rb'\{"channel":"([a-z0-9_]{1,64}+)","ts":([1-9][0-9]{0,17}+),"tick":\{"asks":\['
)
"""How a depth push in the layout `encode` writes begins. The whole layout is this, each
side's rows (`_layout_rows`), `],"buys":[` between them and `]}}` at the end: compact JSON,
keys in this order, an integer `ts`, prices and amounts as strings of digits and points (at
most 64, as `MAX_NUMBER_TEXT`). Text in it is JSON (ASCII, no escapes, nothing nested deeper
than four) whose meaning is plain from the text; whatever else a server writes is left to
`decode`."""

_ROW_TEXT = rb'[0-9.]{1,64}+","[0-9.]{1,64}+'
_row_texts = re.compile(_ROW_TEXT + rb"(?:\n" + _ROW_TEXT + rb")*+").fullmatch
"""Whether rows joined by newlines are each in the layout (rows holding none themselves)."""

_NONE_KNOWN: Mapping[Any, Any] = MappingProxyType({})


def _layout_rows(side: bytes, known: Mapping[Any, Any]) -> Rows | None:
    """The rows of one side as written (see `Rows`), or None if `side` is not rows in the
    layout: `["R"],["R"],...,["R"]` or nothing, every R in `_ROW_TEXT`.

    A row's text holds no `]`, so splitting at `"],["` gives back exactly each R, and the
    side is in the layout if and only if every R is. A row `known` holds is: a memo keeps
    the text of a row only once it was read from a frame in the layout. The others (a
    handful a push) are matched by one pattern, joined by newlines.
    """
    if not side:
        return Rows([], [], [])
    if side[:2] != b'["' or side[-2:] != b'"]':
        return None
    rows = side[2:-2].split(b'"],["')
    found = list(map(known.get, rows))
    if None not in found:
        return Rows(rows, found, [])
    new = [index for index, level in enumerate(found) if level is None]
    joined = b"\n".join([rows[index] for index in new])
    if joined.count(b"\n") >= len(new) or _row_texts(joined) is None:
        return None  # a newline of its own, or a row the pattern refuses
    return Rows(rows, found, new)


def _inflate(frame: bytes | bytearray | memoryview) -> bytes:
    data = frame if type(frame) is bytes else bytes(frame)
    if data[:2] != _GZIP_MAGIC:
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        text = inflater.decompress(data, MAX_FRAME_INFLATED + 1)
    except zlib.error:
        text = b""  # `_gunzip` says what is wrong
    if len(text) > MAX_FRAME_INFLATED:
        raise FrameError(f"gzip frame inflates past {MAX_FRAME_INFLATED} bytes")
    if inflater.eof and not inflater.unused_data:
        return text  # one whole gzip member, as every server of the protocol sends
    return _gunzip(data, MAX_FRAME_INFLATED)  # says what is wrong, or joins the members


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
