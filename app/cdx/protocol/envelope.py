"""The one JSON envelope every REST response carries (PROTOCOL.md section 2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cdx.protocol.errors import ErrorCode
from cdx.protocol.limits import MAX_JSON_DEPTH, MAX_JSON_TEXT, MAX_LOG_TEXT, MAX_NUMBER_TEXT

MAX_CODE_TEXT = 16
"""Characters of an envelope `code` (PROTOCOL.md's are 1 or 6 digits); a longer one, or one with
control characters, makes the body not an envelope."""

MAX_MSG_TEXT = 500
"""Characters of a server's `msg` kept: enough for any sentence, not a page of garbage."""


class EnvelopeError(ValueError):
    """A response body that is not a well-formed envelope."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded envelope: `code` "0" means success and `data` holds the payload."""

    code: str
    msg: str
    data: Any

    @property
    def ok(self) -> bool:
        return self.code == ErrorCode.OK


def success(data: Any) -> dict[str, Any]:
    """The envelope of a successful response."""
    return {"code": ErrorCode.OK.value, "msg": "suc", "data": data}


def failure(code: ErrorCode, msg: str) -> dict[str, Any]:
    """The envelope of a refused request; `msg` names the parameter and what to do."""
    return {"code": code.value, "msg": msg, "data": None}


def dumps(envelope: dict[str, Any]) -> bytes:
    """Serialise compactly; values must already be wire types (decimals as strings)."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def loads_json(body: bytes | str) -> Any:
    """Parse JSON keeping every non-integer number as a `Decimal`, never a binary float.

    Other servers of the family send prices as JSON numbers; reading them as floats would
    round them before they reach a `Decimal`.

    Bounded, because the body comes from the wire: more than `MAX_JSON_TEXT` bytes, or arrays
    and objects nested deeper than `MAX_JSON_DEPTH`, raise `ValueError` (never `RecursionError`).
    A number longer than `MAX_NUMBER_TEXT` characters, and `NaN`/`Infinity`, are not read at
    all: they become an `Unreadable` value that every decoder of the gate refuses, so they cost
    the one field that holds them, not the whole message. Invalid UTF-8 raises
    `UnicodeDecodeError`, also a `ValueError`.
    """
    if len(body) > MAX_JSON_TEXT:
        raise ValueError(f"{len(body)} bytes is more than the {MAX_JSON_TEXT} read")
    try:
        obj = _DECODER.decode(_text(body))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not _shallow(body):
        _check_depth(obj)
    return obj


def loads_json_object(body: bytes | str, what: str, error: type[ValueError]) -> dict[str, Any]:
    """`body` as a JSON object (read by `loads_json`), or `error` saying that `what` (a
    "response", a "frame") is not JSON or not an object: the one shape every message has."""
    try:
        obj = loads_json(body)
    except ValueError as exc:
        raise error(f"{what} is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise error(f"{what} is not a JSON object")
    return obj


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A JSON number the reader refused to convert (too long, `NaN`, `Infinity`).

    Not a number of any kind, so every field check refuses it like any wrong type.
    """

    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text[:MAX_LOG_TEXT])


def _number(text: str) -> Decimal | Unreadable:
    if len(text) > MAX_NUMBER_TEXT:
        return Unreadable(text)
    try:
        return Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal can hold
        return Unreadable(text)


def _integer(text: str) -> int | Unreadable:
    return int(text) if len(text) <= MAX_NUMBER_TEXT else Unreadable(text)


_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'[]{}"\\')
"""Every byte but brackets, braces, quotes and backslashes: what `_shallow` deletes."""


def _shallow(body: bytes | str) -> bool:
    """Whether well-formed JSON `body` is plainly nested no deeper than `MAX_JSON_DEPTH`.

    `_check_depth` walks every container of the parsed value in Python: for a 150-level depth
    push that walk cost more than parsing it. This decides the common case from the text with
    a few C-level byte operations: keep only brackets, braces and quotes, drop the strings
    (each an empty pair of quotes by then, unless it holds a bracket), then strip empty `[]`
    and `{}` pairs; each round of the two strips removes at most two levels, so text gone
    within `MAX_JSON_DEPTH // 2` rounds is at most that deep. False (walk the value) when it
    cannot tell: a backslash (an escape may hide a quote), a bracket inside a string, text
    that is not UTF-8-encodable, or deeper nesting.
    """
    try:
        raw = body.encode() if isinstance(body, str) else bytes(body)
    except UnicodeEncodeError:
        return False
    marks = raw.translate(None, _NOT_STRUCTURE)
    if b"\\" in marks:
        return False
    # Without escapes, a string holding no bracket is `""` here; one that holds any leaves a
    # quote behind once the pairs are gone (the first quote of each string opens it).
    bare = marks.replace(b'""', b"")
    if b'"' in bare:
        return False
    for _ in range(MAX_JSON_DEPTH // 2):
        if not bare:
            return True
        bare = bare.replace(b"[]", b"").replace(b"{}", b"")
    return not bare


def _text(body: bytes | str) -> str:
    """`body` as `json.loads` reads it: bytes in the encoding JSON detects, no leading BOM."""
    if isinstance(body, bytes | bytearray):
        return body.decode(json.detect_encoding(body), "surrogatepass")
    if body.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", body, 0)
    return body


_DECODER = json.JSONDecoder(parse_float=_number, parse_int=_integer, parse_constant=Unreadable)
"""`loads_json`'s reader, made once (`json.loads` with hooks builds one per call)."""


def _check_depth(obj: Any) -> None:
    """Refuse nesting deeper than `MAX_JSON_DEPTH`, without recursion (the walk is iterative)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def parse(body: bytes | str) -> Envelope:
    """Decode a response body into an `Envelope`, or raise `EnvelopeError` saying why."""
    obj = loads_json_object(body, "response", EnvelopeError)
    code = obj.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str):
        raise EnvelopeError("response has no string 'code'")
    if not (0 < len(code) <= MAX_CODE_TEXT and code.isascii() and code.isprintable()):
        raise EnvelopeError(f"response 'code' is not a code ({code[:MAX_CODE_TEXT]!a})")
    msg = obj.get("msg", "")
    if not isinstance(msg, str):
        msg = str(msg) if isinstance(msg, int | Decimal) else ""
    if len(msg) > MAX_MSG_TEXT:
        msg = msg[:MAX_MSG_TEXT] + "..."
    return Envelope(code=code, msg=msg, data=obj.get("data"))
