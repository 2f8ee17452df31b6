"""The signed REST API of PROTOCOL.md section 5 over one `httpx.AsyncClient`.

Every call passes through the shared `RateLimiter`, is signed by the protocol layer when the
endpoint needs it, and comes back as model objects or as a typed `CdxError`. Two retries are
safe and automatic because the server promises the request was not executed: a `100006` time
refusal (after correcting our clock offset, once) and a `429` (after the wait the server asked
for). An order placement whose answer is lost is never resent: it raises `OrderStateUnknown`
and the caller reconciles.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx

from cdx import __version__
from cdx.client.credentials import Credentials
from cdx.client.errors import (
    NO_KEYS,
    AuthError,
    BadResponse,
    OrderStateUnknown,
    TransportError,
    error_for,
)
from cdx.client.ratelimit import Priority, RateLimiter
from cdx.model.account import Account, Fill
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec
from cdx.protocol import endpoints as ep
from cdx.protocol.decimals import to_wire
from cdx.protocol.envelope import Envelope, EnvelopeError
from cdx.protocol.envelope import parse as parse_envelope
from cdx.protocol.errors import ErrorCode
from cdx.protocol.signing import TIME_WINDOW_MS, signed_params

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_RATE_RETRIES = 2
"""How often a request refused with 429 is sent again (after the server's Retry-After)."""

_RATE_HEADERS = (
    ep.RATE_HEADER_GROUP,
    ep.RATE_HEADER_LIMIT,
    ep.RATE_HEADER_WINDOW,
    ep.RATE_HEADER_REMAINING,
)
_MS_NUMBER = re.compile(r"(?<!\d)\d{12,14}(?!\d)")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged list; `count` is the total over all pages."""

    count: int
    items: tuple[T, ...]


@dataclass(frozen=True, slots=True)
class OpenOrderList:
    """Open orders of one symbol; `complete` if no open order of it can be missing."""

    items: tuple[Order, ...]
    complete: bool


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (no TLS or proxy is needed to reach it)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _name(symbol: Symbol | str) -> str:
    return symbol.name if isinstance(symbol, Symbol) else symbol


class RestClient:
    """Async client of every REST endpoint; one per server, shared by the whole app.

    Without credentials it is `read_only`: market data works and signed calls raise an
    `AuthError` saying keys are needed. `clock` (seconds) is the local wall clock used to stamp
    signed requests; the offset to the server's clock is learnt from `100006` refusals.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        limiter: RateLimiter | None = None,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        correct_clock: bool = True,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"REST URL must be http(s)://HOST[:PORT], got {base_url!r}")
        loopback = is_loopback(url.host)
        if url.scheme == "http" and not loopback:
            log.warning("REST over plain http to %s: requests are not encrypted", url.host)
        self.base_url = str(url).rstrip("/")
        self.credentials = credentials
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.clock_offset_ms = 0
        """Server clock minus local clock, learnt from time refusals; added to `time`."""
        self.rate_headers: dict[str, dict[str, str]] = {}
        """The `X-RateLimit-*` headers of the last response of each group (for `cdx doctor`)."""
        self._clock = clock
        self._correct_clock = correct_clock
        if credentials is None:
            log.info("no API keys (CDX_API_KEY/CDX_API_SECRET): read-only, market data only")
        self._host_key = url.netloc.decode("ascii")
        # verify=True always: TLS is never turned off; loopback skips proxies from the env.
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            verify=True,
            trust_env=not loopback,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": f"cdx/{__version__}"},
        )

    @property
    def read_only(self) -> bool:
        """True without credentials: only market data can be fetched."""
        return self.credentials is None

    def now_ms(self) -> int:
        """Our best estimate of the server's clock, in ms (local clock + learnt offset)."""
        return int(self._clock() * 1000) + self.clock_offset_ms

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # market ------------------------------------------------------------------------------

    async def symbols(self) -> list[Symbol]:
        data = await self._call(ep.SYMBOLS, {})
        return self._decode(ep.SYMBOLS, lambda: [codec.symbol_from_wire(s) for s in _list(data)])

    async def ticker(self, symbol: Symbol | str) -> Ticker:
        data = await self._call(ep.TICKER, {"symbol": _name(symbol)})
        return self._decode(ep.TICKER, lambda: codec.ticker_from_rest(data))

    async def depth(self, symbol: Symbol | str, step: int = 0) -> Book:
        if f"step{step}" not in ep.DEPTH_TYPES:
            raise ValueError(f"depth step must be 0, 1 or 2, got {step}")
        data = await self._call(ep.DEPTH, {"symbol": _name(symbol), "type": f"step{step}"})
        return self._decode(ep.DEPTH, lambda: codec.depth_from_rest(data))

    async def trades(self, symbol: Symbol | str) -> list[Trade]:
        data = await self._call(ep.TRADES, {"symbol": _name(symbol)})
        return self._decode(ep.TRADES, lambda: [codec.trade_from_rest(t) for t in _list(data)])

    async def klines(self, symbol: Symbol | str, period_min: int = 1) -> list[Kline]:
        if period_min not in ep.KLINE_PERIODS_MIN:
            raise ValueError(f"kline period must be one of {ep.KLINE_PERIODS_MIN} minutes")
        params = {"symbol": _name(symbol), "period": str(period_min)}
        data = await self._call(ep.KLINES, params)
        return self._decode(ep.KLINES, lambda: [codec.kline_from_rest(k) for k in _list(data)])

    # account -----------------------------------------------------------------------------

    async def account(self, *, priority: Priority = Priority.BACKGROUND) -> Account:
        data = await self._call(ep.ACCOUNT_INFO, {}, priority)
        return self._decode(ep.ACCOUNT_INFO, lambda: codec.account_from_wire(data))

    async def show_order(
        self, symbol: Symbol | str, order_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> Order:
        params = {"symbol": _name(symbol), "order_id": str(order_id)}
        data = await self._call(ep.SHOW_ORDER, params, priority)
        return self._decode(ep.SHOW_ORDER, lambda: codec.order_from_wire(_obj(data)["order_info"]))

    async def open_orders(
        self,
        symbol: Symbol | str,
        page: int = 1,
        page_size: int = ep.DEFAULT_PAGE_SIZE,
        *,
        priority: Priority = Priority.BACKGROUND,
    ) -> Page[Order]:
        params = {"symbol": _name(symbol), "page": str(page), "pageSize": str(page_size)}
        data = await self._call(ep.OPEN_ORDERS, params, priority)
        return self._decode(
            ep.OPEN_ORDERS, lambda: _page(data, "resultList", codec.order_from_wire)
        )

    async def every_open_order(
        self, symbol: Symbol | str, *, priority: Priority = Priority.BACKGROUND
    ) -> OpenOrderList:
        """Every open order of `symbol`, newest first, fetched page by page (largest pages).

        The pages are separate requests and orders may shift between them while the book
        changes, so the list is `complete` only when one answer held every open order; an
        order two pages both show is listed once.
        """
        seen: dict[str, Order] = {}
        page = 1
        while True:
            result = await self.open_orders(
                symbol, page=page, page_size=ep.MAX_PAGE_SIZE, priority=priority
            )
            for order in result.items:
                seen.setdefault(order.id, order)
            if not result.items or page * ep.MAX_PAGE_SIZE >= result.count:
                complete = page == 1 and len(result.items) == result.count
                return OpenOrderList(tuple(seen.values()), complete)
            page += 1

    async def all_orders(
        self,
        symbol: Symbol | str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        page: int = 1,
        page_size: int = ep.DEFAULT_PAGE_SIZE,
        priority: Priority = Priority.BACKGROUND,
    ) -> Page[Order]:
        params = {
            "symbol": _name(symbol),
            "startDate": "" if start_ms is None else str(start_ms),
            "endDate": "" if end_ms is None else str(end_ms),
            "page": str(page),
            "pageSize": str(page_size),
        }
        data = await self._call(ep.ALL_ORDERS, params, priority)
        return self._decode(ep.ALL_ORDERS, lambda: _page(data, "orderList", codec.order_from_wire))

    async def my_trades(
        self,
        symbol: Symbol | str,
        page: int = 1,
        page_size: int = ep.DEFAULT_PAGE_SIZE,
        *,
        priority: Priority = Priority.BACKGROUND,
    ) -> Page[Fill]:
        params = {"symbol": _name(symbol), "page": str(page), "pageSize": str(page_size)}
        data = await self._call(ep.MY_TRADES, params, priority)
        return self._decode(ep.MY_TRADES, lambda: _page(data, "resultList", codec.fill_from_wire))

    # orders ------------------------------------------------------------------------------

    async def place_order(
        self,
        symbol: Symbol | str,
        side: Side,
        type: OrderType,
        volume: Decimal,
        price: Decimal | None,
    ) -> str:
        """Place an order and return its id.

        `volume` is the base amount, except for a market buy where it is the quote amount to
        spend; `price` is required for a limit order and must be None for a market order.
        Values are sent exactly as given (never rounded): precision is the caller's or the
        server's to check. Raises `OrderRejected` if refused and `OrderStateUnknown` if the
        answer was lost, in which case the order must be reconciled, never resent.
        """
        if type is OrderType.LIMIT and price is None:
            raise ValueError("a limit order needs a price")
        if type is OrderType.MARKET and price is not None:
            raise ValueError("a market order takes no price")
        name = _name(symbol)
        params = {
            "symbol": name,
            "side": Side(side).value,
            "type": str(int(type)),
            "volume": to_wire(volume),
            "price": "" if price is None else to_wire(price),
        }
        placing = _Placement(name, Side(side), OrderType(type), volume, price)
        data = await self._call(ep.PLACE_ORDER, params, Priority.USER, placing=placing)
        return self._decode(ep.PLACE_ORDER, lambda: _digits(_obj(data)["order_id"]))

    async def cancel_order(self, symbol: Symbol | str, order_id: str) -> None:
        params = {"symbol": _name(symbol), "order_id": str(order_id)}
        await self._call(ep.CANCEL_ORDER, params, Priority.USER)

    async def cancel_all(self, symbol: Symbol | str) -> None:
        await self._call(ep.CANCEL_ALL, {"symbol": _name(symbol)}, Priority.USER)

    async def reconcile(
        self, unknown: OrderStateUnknown, *, exclude: Collection[str] = ()
    ) -> Order | None:
        """The order a lost placement created, or None if the exchange has no such order.

        Looks through `allOrders` since the send time (less the protocol's time window, since
        the two clocks may differ by that much) for an order with the same symbol, side, type,
        volume and (limit) price; orders in `exclude` (already known to the caller) are
        skipped. Raises `TransportError` if the exchange still cannot be asked.
        """
        start = unknown.sent_at_ms - TIME_WINDOW_MS
        matches: list[Order] = []
        page = 1
        while True:
            result = await self.all_orders(
                unknown.symbol,
                start_ms=start,
                page=page,
                page_size=ep.MAX_PAGE_SIZE,
                priority=Priority.USER,
            )
            matches.extend(o for o in result.items if _matches(o, unknown, exclude))
            if not result.items or page * ep.MAX_PAGE_SIZE >= result.count:
                break
            page += 1
        if not matches:
            return None
        return min(matches, key=lambda o: abs(o.created_at - unknown.sent_at_ms))

    # plumbing ----------------------------------------------------------------------------

    async def _call(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority = Priority.BACKGROUND,
        *,
        placing: _Placement | None = None,
        retry_time: bool = True,
    ) -> Any:
        """Send one logical request (with the safe retries) and return the envelope's data."""
        unexpected = set(params) - endpoint.allowed
        if unexpected:
            raise ValueError(f"{endpoint.name} takes no {sorted(unexpected)}")
        if endpoint.signed and self.credentials is None:
            raise AuthError(
                NO_KEYS,
                "",
                "this needs API keys: set CDX_API_KEY and CDX_API_SECRET "
                "(without them cdx shows market data only)",
            )
        key = self.credentials.api_key if endpoint.signed and self.credentials else self._host_key
        time_retries = 1 if retry_time and self._correct_clock else 0
        rate_retries = MAX_RATE_RETRIES
        while True:
            async with self.limiter.slot(endpoint.group, key, priority):
                request, sent_ms = self._build(endpoint, params)
                response = await self._send(endpoint, request, sent_ms, placing)
            self.limiter.observe(endpoint.group, key, response.headers, response.status_code)
            self._remember_rate_headers(endpoint, response.headers)
            envelope = self._envelope(endpoint, response, sent_ms, placing)
            if envelope.ok:
                return envelope.data
            code = envelope.code
            if code == ErrorCode.TIME_WINDOW and endpoint.signed:
                server_ms = _server_time_ms(envelope.msg, response.headers, sent_ms)
                skew_ms = None if server_ms is None else server_ms - sent_ms
                if skew_ms is not None and time_retries > 0:
                    time_retries -= 1
                    self.clock_offset_ms += skew_ms
                    log.warning("server clock differs from ours by %+d ms; correcting", skew_ms)
                    continue
                raise _time_error(envelope.msg, skew_ms)
            if code == ErrorCode.RATE_LIMITED and rate_retries > 0:
                rate_retries -= 1
                continue
            if placing is not None and code == ErrorCode.INTERNAL:
                raise placing.unknown(sent_ms, f"server error: {envelope.msg}")
            raise error_for(code, envelope.msg, retry_after_ms=_retry_ms(response.headers))

    def _build(self, endpoint: ep.Endpoint, params: Mapping[str, str]) -> tuple[httpx.Request, int]:
        sent_ms = self.now_ms()
        values = {name: value for name, value in params.items() if value != ""}
        if endpoint.signed and self.credentials is not None:
            values = signed_params(
                values, self.credentials.api_key, self.credentials.secret, sent_ms
            )
        if endpoint.method is ep.Method.GET:
            request = self._http.build_request("GET", endpoint.path, params=values)
        else:
            request = self._http.build_request("POST", endpoint.path, data=values)
        return request, sent_ms

    async def _send(
        self,
        endpoint: ep.Endpoint,
        request: httpx.Request,
        sent_ms: int,
        placing: _Placement | None,
    ) -> httpx.Response:
        try:
            return await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached the server: safe to report as a plain transport failure.
            raise TransportError(
                f"cannot reach {self.base_url}: {_describe(exc)}; is the server running and "
                "the URL right?"
            ) from None
        except httpx.HTTPError as exc:
            if placing is not None:
                raise placing.unknown(sent_ms, _describe(exc)) from None
            raise TransportError(
                f"{endpoint.path} on {self.base_url} failed: {_describe(exc)}"
            ) from None

    def _envelope(
        self,
        endpoint: ep.Endpoint,
        response: httpx.Response,
        sent_ms: int,
        placing: _Placement | None,
    ) -> Envelope:
        try:
            return parse_envelope(response.content)
        except EnvelopeError as exc:
            if placing is not None and response.status_code >= 500:
                raise placing.unknown(sent_ms, f"HTTP {response.status_code}") from None
            raise BadResponse(
                f"{endpoint.path} answered HTTP {response.status_code} without a protocol "
                f"envelope ({exc}); is the REST URL right?"
            ) from None

    def _decode(self, endpoint: ep.Endpoint, build: Callable[[], T]) -> T:
        try:
            return build()
        except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"malformed {endpoint.path} response: {exc}") from None

    def _remember_rate_headers(self, endpoint: ep.Endpoint, headers: httpx.Headers) -> None:
        seen = {name: headers[name] for name in _RATE_HEADERS if name in headers}
        self.rate_headers[endpoint.group.name] = seen


@dataclass(frozen=True, slots=True)
class _Placement:
    """What an order placement sent, to build `OrderStateUnknown` if its answer is lost."""

    symbol: str
    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None

    def unknown(self, sent_ms: int, cause: str) -> OrderStateUnknown:
        log.warning("order placement answer lost (%s); must reconcile", cause)
        return OrderStateUnknown(
            self.symbol, self.side, self.type, self.volume, self.price, sent_ms, cause
        )


def _matches(order: Order, unknown: OrderStateUnknown, exclude: Collection[str]) -> bool:
    if order.id in exclude:
        return False
    if (order.symbol, order.side, order.type) != (unknown.symbol, unknown.side, unknown.type):
        return False
    if order.volume != unknown.volume:
        return False
    return unknown.type is OrderType.MARKET or order.price == unknown.price


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise codec.CodecError(f"expected a list, got {type(data).__name__}")
    return data


def _obj(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise codec.CodecError(f"expected an object, got {type(data).__name__}")
    return data


def _page(data: Any, field: str, decode: Callable[[Any], T]) -> Page[T]:
    obj = _obj(data)
    count = obj["count"]
    if isinstance(count, bool) or not isinstance(count, int):
        raise codec.CodecError(f"'count' {count!r} is not an integer")
    return Page(count=count, items=tuple(decode(item) for item in _list(obj[field])))


def _digits(value: Any) -> str:
    """An id: a string of digits (an integer is accepted, as other servers send them)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isdigit():
        raise codec.CodecError(f"id {value!r} is not a string of digits")
    return text


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_ms(headers: httpx.Headers) -> int:
    for name, scale in ((ep.RATE_HEADER_RETRY_MS, 1), ("Retry-After", 1000)):
        try:
            return int(float(headers[name]) * scale)
        except (KeyError, ValueError):
            continue
    return 0


def _server_time_ms(msg: str, headers: httpx.Headers, sent_ms: int) -> int | None:
    """The server's clock from a `100006` message (a ms timestamp that is not ours), else from
    the HTTP `Date` header (to the second, which is close enough for a 5 s window)."""
    candidates = [int(m) for m in _MS_NUMBER.findall(msg) if int(m) != sent_ms]
    if candidates:
        return candidates[-1]
    date = headers.get("Date")
    if date:
        try:
            return int(email.utils.parsedate_to_datetime(date).timestamp() * 1000)
        except (TypeError, ValueError):
            return None
    return None


def _time_error(msg: str, skew_ms: int | None) -> AuthError:
    if skew_ms is None:
        return AuthError(ErrorCode.TIME_WINDOW, msg, "time rejected: check the system clock")
    seconds = abs(skew_ms) / 1000
    where = "behind" if skew_ms > 0 else "ahead of"
    return AuthError(
        ErrorCode.TIME_WINDOW,
        msg,
        f"time rejected: your clock is {seconds:.0f} s {where} the server",
    )
