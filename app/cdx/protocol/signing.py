"""Request signing (PROTOCOL.md section 3): plain SHA-256 over sorted name+value pairs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

SIGN_PARAM = "sign"
"""The parameter that carries the signature; it is never part of what is signed."""

TIME_WINDOW_MS = 5000
"""The server accepts a signed request only if its `time` is within this many ms of its clock."""


def signing_string(params: Mapping[str, str], secret: str) -> str:
    """The exact string that is hashed: sorted non-empty `name + value` pairs, then the secret.

    Names are compared as UTF-8 byte strings, so `page` sorts before `pageSize` and upper case
    before lower case. Exposed so tests can compare against the documented golden strings.
    """
    pairs = sorted(
        ((name, value) for name, value in params.items() if name != SIGN_PARAM and value != ""),
        key=lambda item: item[0].encode(),
    )
    return "".join(name + value for name, value in pairs) + secret


def sign(params: Mapping[str, str], secret: str) -> str:
    """Lowercase hex SHA-256 of the signing string; what goes into the `sign` parameter."""
    return hashlib.sha256(signing_string(params, secret).encode()).hexdigest()


def signed_params(
    params: Mapping[str, str], api_key: str, secret: str, time_ms: int
) -> dict[str, str]:
    """A copy of `params` with `api_key`, `time` and `sign` added; empty values are dropped.

    Dropping empties keeps what is sent identical to what was signed (the server treats an
    empty value as absent).
    """
    out = {name: value for name, value in params.items() if value != ""}
    out["api_key"] = api_key
    out["time"] = str(time_ms)
    out[SIGN_PARAM] = sign(out, secret)
    return out


def time_in_window(server_now_ms: int, request_time_ms: int) -> bool:
    """Whether a request stamped `request_time_ms` is fresh enough for the server to accept."""
    return abs(server_now_ms - request_time_ms) <= TIME_WINDOW_MS
