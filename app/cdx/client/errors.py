"""The errors the client raises: a small tree rooted in `CdxError` (STYLE.md section 4).

Each class says when it is raised so a caller can catch the narrowest one it can act on. Every
message is written for the user and never contains the API secret or a signed query string.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from cdx.model.order import OrderType, Side
from cdx.protocol.errors import AUTH_CODES, ORDER_REJECT_CODES, ErrorCode


class CdxError(Exception):
    """Base of every error the client raises; catching it catches them all."""


class TransportError(CdxError):
    """The server could not be reached or the connection broke (refused, timeout, TLS, closed).

    The request may be retried later; for an order placement the client raises
    `OrderStateUnknown` instead whenever the request may have reached the server.
    """


class InsecureTransport(CdxError):
    """API keys are set but the REST URL is plain `http://` to a host that does not resolve to
    loopback addresses only: signed requests (and orders) would travel unencrypted, so none is
    sent. Fix the URL (`https://`); retrying cannot help."""


class BadResponse(CdxError):
    """The server answered something that is not the protocol: not an envelope, bad JSON, a
    missing field or a wrong type in a body or a WebSocket frame."""


class ApiError(CdxError):
    """The exchange answered with a non-zero envelope `code`.

    `code` is the wire code, `msg` the server's own words; `str(error)` is the message to show,
    which names the cause and what to do about it.
    """

    def __init__(self, code: str, msg: str, hint: str = "") -> None:
        self.code = code
        self.msg = msg
        self.hint = hint
        super().__init__(self._text())

    def _text(self) -> str:
        if self.hint and self.msg:
            return f"{self.hint} (server: {self.msg})"
        return self.hint or self.msg or f"error {self.code}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, msg={self.msg!r})"


class AuthError(ApiError):
    """The credentials or the clock are wrong (unknown key, bad signature, time window, IP), or
    a signed call was made without keys. Retrying the same request cannot help: fix the setup."""


class RateLimited(ApiError):
    """The server refused a request as too frequent (`100009`, HTTP 429); the request was not
    executed. `retry_after_ms` is how long the server asked to wait."""

    def __init__(self, code: str, msg: str, hint: str = "", retry_after_ms: int = 0) -> None:
        self.retry_after_ms = retry_after_ms
        super().__init__(code, msg, hint)


class OrderRejected(ApiError):
    """The exchange refused what the user asked for: unknown symbol, precision, size, balance,
    unknown or already final order. Shown to the user as it is."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """What existed before a placement was sent, so reconcile never claims an older order.

    `newest_id` is the highest order id of the symbol the exchange listed just before the
    send (None if the symbol had no order at all). Ids strictly increase on one server
    (PROTOCOL.md section 9.5), so an order with an id at or below it cannot be the one sent.
    """

    newest_id: str | None


class PlacementFields(Protocol):
    """What a lost placement is looked for by: an `OrderRequest`, what `RestClient` sent, or
    an `OrderStateUnknown` itself."""

    @property
    def symbol(self) -> str: ...

    @property
    def side(self) -> Side: ...

    @property
    def type(self) -> OrderType: ...

    @property
    def volume(self) -> Decimal: ...

    @property
    def price(self) -> Decimal | None: ...


def describe_placement(sent: PlacementFields) -> str:
    """`BUY LIMIT 0.01 btcusdt @ 27000`: how every message of the client names a placement."""
    at = f" @ {sent.price}" if sent.price is not None else ""
    return f"{sent.side.value} {sent.type.name} {sent.volume} {sent.symbol}{at}"


class OrderStateUnknown(CdxError):
    """An order placement may have reached the server but no well-formed answer came back
    (timeout, dropped connection, a 5xx, a body that is not the protocol).

    There is no client order id, so the order must never be resent blindly: the caller
    reconciles (`cdx.client.placement.settle`), which looks for an order with these values
    created since `sent_at_ms` (server clock, ms) and newer than `baseline`. `baseline` is None
    when it could not be taken: then a matching order cannot be told from an older one and
    the placement stays unknown.
    """

    def __init__(
        self,
        symbol: str,
        side: Side,
        type: OrderType,
        volume: Decimal,
        price: Decimal | None,
        sent_at_ms: int,
        cause: str = "",
        baseline: Baseline | None = None,
    ) -> None:
        self.symbol = symbol
        self.side = side
        self.type = type
        self.volume = volume
        self.price = price
        self.sent_at_ms = sent_at_ms
        self.cause = cause
        self.baseline = baseline
        what = describe_placement(self)
        detail = f" ({cause})" if cause else ""
        super().__init__(
            f"order {what} may or may not have been placed: the answer was lost{detail}; "
            "check open orders before placing it again"
        )

    @classmethod
    def of(
        cls,
        sent: PlacementFields,
        sent_at_ms: int,
        cause: str = "",
        baseline: Baseline | None = None,
    ) -> OrderStateUnknown:
        """The lost placement of `sent`, stamped `sent_at_ms`: the one way every layer (the
        REST client, `send_order`, the UI) states a placement it cannot vouch for."""
        what = (sent.symbol, sent.side, sent.type, sent.volume, sent.price)
        return cls(*what, sent_at_ms, cause, baseline=baseline)

    def because(self, cause: str) -> OrderStateUnknown:
        """The same lost placement, with what the latest look at the exchange found."""
        return OrderStateUnknown.of(self, self.sent_at_ms, cause, self.baseline)


NO_KEYS = "no_keys"
"""`code` of the `AuthError` raised locally when a signed call is made without credentials."""

_HINTS: dict[str, str] = {
    ErrorCode.INTERNAL: "the exchange had an internal error; try again later",
    ErrorCode.UNAVAILABLE: "the exchange is unavailable; try again later",
    ErrorCode.UNKNOWN_API_KEY: "key rejected: the server does not know CDX_API_KEY",
    ErrorCode.BAD_PARAMETER: "the request was refused as malformed",
    ErrorCode.BAD_SIGNATURE: "signature rejected: is CDX_API_SECRET right?",
    ErrorCode.TIME_WINDOW: "time rejected: check that the system clock is right",
    ErrorCode.IP_NOT_ALLOWED: "this API key does not allow requests from this IP address",
    ErrorCode.RATE_LIMITED: "too many requests; slowing down",
    ErrorCode.UNKNOWN_SYMBOL: "unknown symbol",
    ErrorCode.BAD_PRECISION: "price or volume has too many decimals or is not positive",
    ErrorCode.TOO_SMALL: "order is below the symbol's minimum amount or value",
    ErrorCode.INSUFFICIENT_BALANCE: "insufficient available balance",
    ErrorCode.ORDER_NOT_FOUND: "order not found",
    ErrorCode.ORDER_FINAL: "order is already final and cannot be cancelled",
}


def error_for(code: str, msg: str, *, retry_after_ms: int = 0) -> ApiError:
    """The typed error for an envelope `code`, with a message a user can act on.

    Unknown codes become a plain `ApiError` carrying the server's words.
    """
    hint = _HINTS.get(code, "")
    if code in AUTH_CODES:
        return AuthError(code, msg, hint)
    if code == ErrorCode.RATE_LIMITED:
        return RateLimited(code, msg, hint, retry_after_ms=retry_after_ms)
    if code in ORDER_REJECT_CODES:
        return OrderRejected(code, msg, hint)
    return ApiError(code, msg, hint)
