"""WebSocket frames (PROTOCOL.md section 6): gzip JSON from the server, text JSON from clients."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from cdx.protocol.envelope import loads_json


class FrameError(ValueError):
    """A frame that cannot be decoded: bad gzip, bad UTF-8, bad JSON or not an object."""


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
    servers of the family send); text frames are parsed as they are.
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        data = bytes(frame)
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                raise FrameError(f"bad gzip frame: {exc}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("frame is not UTF-8") from None
    elif isinstance(frame, str):
        text = frame
    else:
        raise FrameError(f"unexpected frame type {type(frame).__name__}")
    try:
        obj = loads_json(text)
    except ValueError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise FrameError("frame is not a JSON object")
    return obj


def ping(ts_ms: int) -> dict[str, int]:
    return {"ping": ts_ms}


def pong(ts_ms: int) -> dict[str, int]:
    return {"pong": ts_ms}


def ping_value(message: dict[str, Any]) -> int | None:
    """The number of a `{"ping": n}` message, or None if the message is not a ping."""
    value = message.get("ping") if len(message) == 1 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pong_value(message: dict[str, Any]) -> int | None:
    """The number of a `{"pong": n}` message, or None if the message is not a pong."""
    value = message.get("pong") if len(message) == 1 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def subscribe(channel: str, cb_id: str = "") -> dict[str, Any]:
    params: dict[str, str] = {"channel": channel}
    if cb_id:
        params["cb_id"] = cb_id
    return {"event": "sub", "params": params}


def unsubscribe(channel: str) -> dict[str, Any]:
    return {"event": "unsub", "params": {"channel": channel}}


def request(channel: str, cb_id: str = "") -> dict[str, Any]:
    params: dict[str, str] = {"channel": channel}
    if cb_id:
        params["cb_id"] = cb_id
    return {"event": "req", "params": params}
