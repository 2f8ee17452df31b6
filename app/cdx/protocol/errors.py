"""Envelope error codes (PROTOCOL.md section 7) and the HTTP status each travels with."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every `code` a server of PROTOCOL.md may put in an envelope."""

    OK = "0"
    INTERNAL = "100001"
    UNAVAILABLE = "100002"
    UNKNOWN_API_KEY = "100003"
    BAD_PARAMETER = "100004"
    BAD_SIGNATURE = "100005"
    TIME_WINDOW = "100006"
    IP_NOT_ALLOWED = "100007"
    RATE_LIMITED = "100009"
    UNKNOWN_SYMBOL = "110002"
    BAD_PRECISION = "110003"
    TOO_SMALL = "110004"
    INSUFFICIENT_BALANCE = "110005"
    ORDER_NOT_FOUND = "110006"
    ORDER_FINAL = "110007"

    @property
    def http_status(self) -> int:
        """The HTTP status a response with this code carries (404/405 are chosen by the router)."""
        return _HTTP_STATUS.get(self, 200)


_HTTP_STATUS = {
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.RATE_LIMITED: 429,
}

AUTH_CODES = frozenset(
    {
        ErrorCode.UNKNOWN_API_KEY,
        ErrorCode.BAD_SIGNATURE,
        ErrorCode.TIME_WINDOW,
        ErrorCode.IP_NOT_ALLOWED,
    }
)
"""Codes that mean the credentials or the clock are wrong: retrying the same request cannot help."""

ORDER_REJECT_CODES = frozenset(
    {
        ErrorCode.UNKNOWN_SYMBOL,
        ErrorCode.BAD_PRECISION,
        ErrorCode.TOO_SMALL,
        ErrorCode.INSUFFICIENT_BALANCE,
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.ORDER_FINAL,
    }
)
"""Codes that reject what the user asked for; shown to the user as they are."""
