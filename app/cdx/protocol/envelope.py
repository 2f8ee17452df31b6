"""The one JSON envelope every REST response carries (PROTOCOL.md section 2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cdx.protocol.errors import ErrorCode


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
    """
    return json.loads(body, parse_float=Decimal)


def parse(body: bytes | str) -> Envelope:
    """Decode a response body into an `Envelope`, or raise `EnvelopeError` saying why."""
    try:
        obj = loads_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"response is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise EnvelopeError("response is not a JSON object")
    code = obj.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str):
        raise EnvelopeError("response has no string 'code'")
    msg = obj.get("msg", "")
    if not isinstance(msg, str):
        msg = str(msg)
    return Envelope(code=code, msg=msg, data=obj.get("data"))
