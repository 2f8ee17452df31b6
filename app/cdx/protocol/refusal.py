"""The one refusal of PROTOCOL.md: a request answered with an error code instead of data.

Raised wherever a rule refuses a request (the front's parameter, key, time and rate checks,
and the engine's symbol, precision, size, balance and order rules) and caught once, by the
server, which turns it into an envelope. One type, so the engine and the front cannot drift
apart in how a refusal looks on the wire.
"""

from __future__ import annotations

from cdx.protocol.errors import ErrorCode


class Refusal(Exception):
    """A request refused with `code`; `msg` names the parameter and what is wrong, in words a
    user can act on, and never holds a secret (it is sent as it is).

    `status` is the HTTP status of the error table (section 7) unless the caller knows a more
    precise one (404, 405, 413, 414, 431, or 400 for a plain GET on the WebSocket path).
    A refusal changes nothing: whoever raises it has not changed any state.
    """

    def __init__(self, code: ErrorCode, msg: str, *, status: int | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status if status is not None else code.http_status

    def __repr__(self) -> str:
        return f"Refusal({self.code.value!r}, {self.msg!r}, status={self.status})"
