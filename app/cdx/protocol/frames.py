"""WebSocket frames (PROTOCOL.md section 6): gzip JSON from the server, text JSON from clients."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from cdx.protocol.envelope import loads_json_object
from cdx.protocol.limits import MAX_FRAME_INFLATED

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
        data = bytes(frame)
        if data[:2] == _GZIP_MAGIC:
            data = _gunzip(data, MAX_FRAME_INFLATED)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("frame is not UTF-8") from None
    elif isinstance(frame, str):
        text = frame
    else:
        raise FrameError(f"unexpected frame type {type(frame).__name__}")
    return loads_json_object(text, "frame", FrameError)


def _gunzip(data: bytes, limit: int) -> bytes:
    """Inflate every gzip member of `data`, refusing output past `limit` before it is made."""
    out = bytearray()
    while data:
        if data[:2] != _GZIP_MAGIC:
            raise FrameError("bad gzip frame: trailing data after the gzip stream")
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(data, limit - len(out) + 1)
        except zlib.error as exc:
            raise FrameError(f"bad gzip frame: {exc}") from None
        if len(out) > limit:
            raise FrameError(f"gzip frame inflates past {limit} bytes")
        if not inflater.eof:
            raise FrameError("bad gzip frame: truncated")
        data = inflater.unused_data
    return bytes(out)
