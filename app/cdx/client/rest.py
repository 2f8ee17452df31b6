"""The signed REST API of PROTOCOL.md section 5 over one `httpx.AsyncClient`.

Every call passes through the shared `RateLimiter`, is signed by the protocol layer when the
endpoint needs it, and comes back as model objects or as a typed `CdxError`. Two retries are
safe and automatic because the server promises the request was not executed: a `100006` time
refusal (after correcting our clock offset, once) and a `429` (after the wait the server asked
for). An order placement whose answer is lost is never resent: it raises `OrderStateUnknown`
and the caller reconciles (`cdx.client.placement` states the three outcomes as a type).

Every wait ends: one overall deadline covers connect, send and the whole (size-capped) body of
each request; the limiter caps what a server may ask us to wait; paged reads stop after
`MAX_PAGES`. With API keys, plain http is used only to a host the OS resolves to loopback.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import httpx

from cdx import __version__
from cdx.client.credentials import Credentials
from cdx.client.errors import (
    NO_KEYS,
    ApiError,
    AuthError,
    BadResponse,
    Baseline,
    CdxError,
    InsecureTransport,
    OrderStateUnknown,
    TransportError,
    error_for,
)
from cdx.client.ratelimit import Priority, RateLimiter, retry_after_ms
from cdx.model.account import Account, Fill
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, gate, limits
from cdx.protocol import endpoints as ep
from cdx.protocol.decimals import to_wire
from cdx.protocol.envelope import Envelope, EnvelopeError
from cdx.protocol.envelope import parse as parse_envelope
from cdx.protocol.errors import ErrorCode
from cdx.protocol.page import Page
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

MAX_PAGES = 20
"""Most pages one paged read fetches (20 x 200 orders), whatever `count` the server claims:
a server that counts 10^9 orders must not keep a poller paging forever."""

BASELINE_PAGE = 20
"""Orders read to take a placement's baseline (the newest of them is what counts)."""

PLACEMENT_HORIZON_MS = 2 * TIME_WINDOW_MS + 1000
"""After this long from its `time` stamp (our clock) a placement can no longer execute, so only
then can reconcile prove that a lost placement was not placed. The server refuses a request
whose stamp is more than `TIME_WINDOW_MS` from its own clock when it arrives (PROTOCOL.md
section 3); its clock may be up to that much behind ours and still have accepted the stamp,
hence twice the window, plus a second for one that arrived in time and is still executing."""

MAX_BODY_BYTES = limits.MAX_JSON_TEXT
"""Largest response body read (the JSON reader's own limit); the largest real answer (200
orders) is under 100 KiB."""

REFUSED_HTTP = frozenset({413, 414, 431})
"""HTTP-layer refusals of a request too large to be read (PROTOCOL.md section 1): the request
was not executed, whatever the body says."""


@dataclass(frozen=True, slots=True)
class OrderList:
    """Orders of one paged read, each once; `complete` if the last page was reached and held
    as many orders as the server counted; `pages` is how many pages were read."""

    items: tuple[Order, ...]
    complete: bool
    pages: int


@dataclass(frozen=True, slots=True)
class OpenOrderList:
    """Open orders of one symbol; `complete` if no open order of it can be missing."""

    items: tuple[Order, ...]
    complete: bool


def is_loopback(host: str) -> bool:
    """Whether `host` is spelled as this machine, without asking DNS (so it never blocks).

    Used to skip proxies from the environment; numeric spellings the OS accepts count too
    (`127.1`, `2130706433`, `[::ffff:127.0.0.1]`). Whether signed requests may go over plain
    http is decided by `resolves_to_loopback`, which asks the resolver.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    address = _numeric_address(name)
    return address is not None and _loopback_address(address)


def resolves_to_loopback(host: str, port: int | None = None) -> tuple[bool, tuple[str, ...]]:
    """Whether every address the OS resolves `host` to is a loopback address, and those
    addresses (for the message). Blocking: call it in a thread. Raises `OSError` if `host`
    does not resolve."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    verdict = bool(addresses) and all(
        (address := _numeric_address(text)) is not None and _loopback_address(address)
        for text in addresses
    )
    return verdict, addresses


def _numeric_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`text` as an IP address in any numeric form the OS accepts (`127.1` included)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _loopback_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def id_order(order_id: str) -> tuple[int, str]:
    """A sort key for digit-string ids in numeric order (PROTOCOL.md 9.5: ids grow), without
    turning a hostile 10^6-digit id into an int."""
    digits = order_id.lstrip("0")
    return (len(digits), digits)


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
        placement_horizon_ms: int = PLACEMENT_HORIZON_MS,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"REST URL must be http(s)://HOST[:PORT], got {base_url!r}")
        loopback = is_loopback(url.host)
        self._plain_http = url.scheme == "http"
        if self._plain_http and credentials is None and not loopback:
            log.warning("REST over plain http to %s: requests are not encrypted", url.host)
        self._transport_checked = not (self._plain_http and credentials is not None)
        self.base_url = str(url).rstrip("/")
        self.credentials = credentials
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.clock_offset_ms = 0
        """Server clock minus local clock, learnt from time refusals; added to `time`."""
        self.rate_headers: dict[str, dict[str, str]] = {}
        """The `X-RateLimit-*` headers of the last response of each group (for `cdx doctor`)."""
        self.deadline = timeout
        """Seconds one request may take in all: connect, send and the whole answer."""
        self.placement_horizon_ms = placement_horizon_ms
        """How long after its `time` stamp a placement may still execute on the server."""
        self._clock = clock
        self._correct_clock = correct_clock
        if credentials is None:
            log.info("no API keys (CDX_API_KEY/CDX_API_SECRET): read-only, market data only")
        self._host_key = url.netloc.decode("ascii")
        # verify=True always: TLS is never turned off. Loopback skips proxies from the env, and
        # so does plain http with keys: it may only reach loopback, and a proxy from the
        # environment would carry the signed requests across a network unencrypted.
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            verify=True,
            trust_env=not (loopback or (self._plain_http and credentials is not None)),
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

    async def check_transport(self) -> None:
        """Refuse plain http with API keys unless the host resolves to loopback only.

        Run before the first request (and cached): keys and signed orders must not cross a
        network unencrypted, and a spelling check is not enough (`127.1`, a name in
        /etc/hosts, `[::ffff:127.0.0.1]` are loopback; `localhost.example.com` is not), so the
        OS resolver decides. Raises `InsecureTransport`, or `TransportError` if the host does
        not resolve; no request is sent in either case.
        """
        if self._transport_checked:
            return
        url = httpx.URL(self.base_url)
        host = url.host
        try:
            async with asyncio.timeout(self.deadline):
                local, addresses = await asyncio.to_thread(resolves_to_loopback, host, url.port)
        except (OSError, UnicodeError, TimeoutError) as exc:
            raise TransportError(f"cannot resolve {host!r}: {exc or 'timed out'}") from None
        if not local:
            shown = ", ".join(addresses[:4])
            raise InsecureTransport(
                f"refusing to send API requests over plain http to {host} ({shown}): keys "
                f"and orders would travel unencrypted; use https://{url.netloc.decode()}, "
                "or plain http only to this machine (loopback)"
            )
        self._transport_checked = True

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
        return self._decode(ep.SYMBOLS, lambda: codec.symbols_from_wire(data))

    async def ticker(self, symbol: Symbol | str) -> Ticker:
        data = await self._call(ep.TICKER, {"symbol": _name(symbol)})
        rules = symbol if isinstance(symbol, Symbol) else None
        return self._decode(ep.TICKER, lambda: codec.ticker_from_rest(data, symbol=rules))

    async def tickers(self, symbols: Mapping[str, Symbol] | None = None) -> list[Ticker]:
        """Every symbol's ticker in one call (`GET /v1/ticker` without `symbol`, rev 2); with
        `symbols`, tickers of other symbols are skipped and the rest checked against them."""
        data = await self._call(ep.TICKER, {})
        return self._decode(ep.TICKER, lambda: codec.tickers_from_rest(data, symbols=symbols)[1])

    async def depth(self, symbol: Symbol | str, step: int = 0) -> Book:
        if f"step{step}" not in ep.DEPTH_TYPES:
            raise ValueError(f"depth step must be 0, 1 or 2, got {step}")
        data = await self._call(ep.DEPTH, {"symbol": _name(symbol), "type": f"step{step}"})
        rules = symbol if isinstance(symbol, Symbol) else None
        return self._decode(ep.DEPTH, lambda: codec.depth_from_rest(data, symbol=rules))

    async def trades(self, symbol: Symbol | str) -> list[Trade]:
        data = await self._call(ep.TRADES, {"symbol": _name(symbol)})
        rules = symbol if isinstance(symbol, Symbol) else None
        return self._decode(ep.TRADES, lambda: codec.trades_from_rest(data, symbol=rules))

    async def klines(self, symbol: Symbol | str, period_min: int = 1) -> list[Kline]:
        if period_min not in ep.KLINE_PERIODS_MIN:
            raise ValueError(f"kline period must be one of {ep.KLINE_PERIODS_MIN} minutes")
        params = {"symbol": _name(symbol), "period": str(period_min)}
        data = await self._call(ep.KLINES, params)
        rules = symbol if isinstance(symbol, Symbol) else None
        return self._decode(ep.KLINES, lambda: codec.klines_from_rest(data, symbol=rules))

    # account -----------------------------------------------------------------------------

    async def account(self, *, priority: Priority = Priority.BACKGROUND) -> Account:
        data = await self._call(ep.ACCOUNT_INFO, {}, priority)
        return self._decode(ep.ACCOUNT_INFO, lambda: codec.account_from_wire(data))

    async def show_order(
        self, symbol: Symbol | str, order_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> Order:
        params = {"symbol": _name(symbol), "order_id": str(order_id)}
        data = await self._call(ep.SHOW_ORDER, params, priority)
        rules = symbol if isinstance(symbol, Symbol) else None
        return self._decode(
            ep.SHOW_ORDER, lambda: codec.order_from_wire(_obj(data)["order_info"], symbol=rules)
        )

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
            ep.OPEN_ORDERS, lambda: Page.parse(data, ep.OPEN_ORDERS, codec.order_from_wire)
        )

    async def every_open_order(
        self,
        symbol: Symbol | str,
        *,
        priority: Priority = Priority.BACKGROUND,
        max_pages: int = MAX_PAGES,
    ) -> OpenOrderList:
        """Every open order of `symbol`, newest first, fetched page by page (largest pages).

        The pages are separate requests and orders may shift between them while the book
        changes, so the list is `complete` only when one answer held every open order; an
        order two pages both show is listed once. At most `max_pages` pages are read, however
        large a `count` the server gives.
        """
        listed = await self._every(
            lambda page: self.open_orders(
                symbol, page=page, page_size=ep.MAX_PAGE_SIZE, priority=priority
            ),
            max_pages,
        )
        return OpenOrderList(listed.items, listed.complete and listed.pages == 1)

    async def every_order(
        self,
        symbol: Symbol | str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        priority: Priority = Priority.BACKGROUND,
        max_pages: int = MAX_PAGES,
    ) -> OrderList:
        """Every order of `symbol` (open and finished) since `start_ms`, newest first.

        Orders never leave `allOrders`, and a new one only pushes older ones to later pages
        (where they are seen twice and listed once), so the list is `complete` whenever the
        last page was reached within `max_pages`.
        """
        return await self._every(
            lambda page: self.all_orders(
                symbol,
                start_ms=start_ms,
                end_ms=end_ms,
                page=page,
                page_size=ep.MAX_PAGE_SIZE,
                priority=priority,
            ),
            max_pages,
        )

    async def newest_order_id(
        self, symbol: Symbol | str, *, priority: Priority = Priority.USER
    ) -> Baseline:
        """The newest order id of `symbol` right now, as the baseline of a placement.

        One `allOrders` page (newest first); the highest id on it is taken, so a server that
        sorts differently within the page still gives the right answer.
        """
        result = await self.all_orders(symbol, page=1, page_size=BASELINE_PAGE, priority=priority)
        if len(result.items) < min(result.count, BASELINE_PAGE):
            # An entry was skipped as malformed: it may have been the newest.
            raise BadResponse(
                f"{ep.ALL_ORDERS.path} listed {len(result.items)} of its first "
                f"{min(result.count, BASELINE_PAGE)} orders; cannot tell the newest"
            )
        newest = max((o.id for o in result.items), key=id_order, default=None)
        return Baseline(newest)

    async def _baseline(self, symbol: str) -> Baseline | None:
        """The baseline of a placement, or None (logged) if the exchange cannot say: the order
        is sent anyway, and a lost answer can then settle only as not placed (by proof of
        absence), never as placed."""
        if self.credentials is None:
            return None  # the placement itself will say that keys are needed
        try:
            return await self.newest_order_id(symbol, priority=Priority.USER)
        except CdxError as exc:
            log.warning("no baseline of %s orders before placing: %s", symbol, exc)
            return None

    async def _every(
        self, fetch: Callable[[int], Awaitable[Page[Order]]], max_pages: int
    ) -> OrderList:
        """The one paging loop: pages 1.. until an empty or last page, at most `max_pages`."""
        seen: dict[str, Order] = {}
        for page in range(1, max(max_pages, 1) + 1):
            result = await fetch(page)
            before = len(seen)
            for order in result.items:
                seen.setdefault(order.id, order)
            if not result.items or page * ep.MAX_PAGE_SIZE >= result.count:
                # Fewer orders than the server counts means some were not shown to us.
                return OrderList(tuple(seen.values()), len(seen) >= result.count, page)
            if page > 1 and len(seen) == before:
                # A full page of orders already seen: the server is repeating itself.
                log.warning("page %d repeated earlier pages; the list is partial", page)
                return OrderList(tuple(seen.values()), False, page)
        log.warning(
            "stopped paging after %d pages (the server claims %d items); the list is partial",
            max_pages,
            result.count,
        )
        return OrderList(tuple(seen.values()), False, max_pages)

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
        return self._decode(
            ep.ALL_ORDERS, lambda: Page.parse(data, ep.ALL_ORDERS, codec.order_from_wire)
        )

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
        return self._decode(
            ep.MY_TRADES, lambda: Page.parse(data, ep.MY_TRADES, codec.fill_from_wire)
        )

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
        server's to check. Raises an `ApiError` (`OrderRejected`, `AuthError`, ...) only for a
        well-formed refusal, `TransportError` only if no byte reached the server, and
        `OrderStateUnknown` for anything else once the request may have reached the server: the
        order must then be reconciled, never resent. Before sending it reads the symbol's
        newest order id (the baseline that `OrderStateUnknown` carries), so reconcile never
        takes an older identical order for this one. Prefer
        `cdx.client.placement.send_order`, which returns the outcome as a type.
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
            "volume": _sendable(volume, "volume"),
            "price": "" if price is None else _sendable(price, "price"),
        }
        baseline = await self._baseline(name)
        placing = _Placement(name, Side(side), OrderType(type), volume, price, baseline)
        data, sent_ms = await self._call_placing(params, placing)
        try:
            order_id = _digits(_obj(data)["order_id"])
            if len(order_id) > limits.MAX_ID_DIGITS:
                raise codec.CodecError(f"order_id of {len(order_id)} digits")
        except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
            # A success without a usable id: the order may well be in the book.
            raise placing.unknown(sent_ms, f"answer had no valid order_id ({exc})") from None
        newest = baseline.newest_id if baseline is not None else None
        if newest is not None and id_order(order_id) <= id_order(newest):
            # Ids only grow (PROTOCOL.md 9.5): this names an order older than the send.
            cause = f"the answer named order {order_id}, which existed before the send"
            raise placing.unknown(sent_ms, cause)
        return order_id

    async def cancel_order(self, symbol: Symbol | str, order_id: str) -> None:
        params = {"symbol": _name(symbol), "order_id": str(order_id)}
        await self._call(ep.CANCEL_ORDER, params, Priority.USER)

    async def cancel_all(self, symbol: Symbol | str) -> None:
        await self._call(ep.CANCEL_ALL, {"symbol": _name(symbol)}, Priority.USER)

    async def reconcile(
        self, unknown: OrderStateUnknown, *, exclude: Collection[str] = ()
    ) -> Order | None:
        """The order a lost placement created, or None if the exchange proves it has none.

        Kept for older callers; `cdx.client.placement.settle` is the full answer. Raises the
        (updated) `OrderStateUnknown` when the exchange still cannot tell: a failed look-up, a
        match that cannot be told from an order older than the send, or several matches.
        """
        from cdx.client.placement import NotPlaced, Placed, reconcile_once

        outcome = await reconcile_once(self, unknown, exclude=exclude, wait=True)
        if isinstance(outcome, Placed):
            return outcome.order
        if isinstance(outcome, NotPlaced):
            return None
        raise outcome.lost

    # plumbing ----------------------------------------------------------------------------

    async def _call(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority = Priority.BACKGROUND,
        *,
        retry_time: bool = True,
    ) -> Any:
        """Send one logical request (with the safe retries) and return the envelope's data."""
        data, _ = await self._request(endpoint, params, priority, retry_time=retry_time)
        return data

    async def _call_placing(
        self, params: Mapping[str, str], placing: _Placement
    ) -> tuple[Any, int]:
        """Send an order placement; returns its data and the `time` it was stamped with."""
        return await self._request(ep.PLACE_ORDER, params, Priority.USER, placing=placing)

    async def _request(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority,
        *,
        placing: _Placement | None = None,
        retry_time: bool = True,
    ) -> tuple[Any, int]:
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
        if not self._transport_checked:
            await self.check_transport()
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
            if placing is not None:
                _check_placement_answer(response.status_code, envelope, sent_ms, placing)
            if envelope.ok:
                return envelope.data, sent_ms
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
    ) -> _Answer:
        """Send `request` and read its whole body within one overall deadline.

        httpx's own timeouts bound each read, so a body that trickles a byte a second would
        never end; here connect, send and the whole (size-capped) body share `deadline`.
        """
        deadline = self.deadline
        try:
            async with asyncio.timeout(deadline):
                response = await self._http.send(request, stream=True)
                try:
                    body = await _read_capped(response, MAX_BODY_BYTES)
                finally:
                    await response.aclose()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached the server: safe to report as a plain transport failure.
            raise TransportError(
                f"cannot reach {self.base_url}: {_describe(exc)}; is the server running and "
                "the URL right?"
            ) from None
        except TimeoutError:
            cause = f"no complete answer within {deadline:g} s"
            if placing is not None:
                raise placing.unknown(sent_ms, cause) from None
            raise TransportError(f"{endpoint.path} on {self.base_url}: {cause}") from None
        except _BodyTooLarge:
            cause = f"answer larger than {MAX_BODY_BYTES // 1024} KiB"
            if placing is not None:
                raise placing.unknown(sent_ms, cause) from None
            raise BadResponse(f"{endpoint.path} on {self.base_url}: {cause}") from None
        except httpx.HTTPError as exc:
            if placing is not None:
                raise placing.unknown(sent_ms, _describe(exc)) from None
            raise TransportError(
                f"{endpoint.path} on {self.base_url} failed: {_describe(exc)}"
            ) from None
        return _Answer(response.status_code, response.headers, body)

    def _envelope(
        self,
        endpoint: ep.Endpoint,
        response: _Answer,
        sent_ms: int,
        placing: _Placement | None,
    ) -> Envelope:
        try:
            return parse_envelope(response.content)
        except EnvelopeError as exc:
            status = response.status_code
            if placing is not None:
                if status in REFUSED_HTTP:
                    raise ApiError(
                        f"http_{status}",
                        "",
                        f"the server refused the request as too large (HTTP {status}); "
                        "the order was not placed",
                    ) from None
                cause = f"HTTP {status} without a protocol envelope"
                raise placing.unknown(sent_ms, cause) from None
            raise BadResponse(
                f"{endpoint.path} answered HTTP {status} without a protocol "
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
    baseline: Baseline | None = None

    def unknown(self, sent_ms: int, cause: str) -> OrderStateUnknown:
        log.warning("order placement answer lost (%s); must reconcile", cause)
        return OrderStateUnknown(
            self.symbol,
            self.side,
            self.type,
            self.volume,
            self.price,
            sent_ms,
            cause,
            baseline=self.baseline,
        )


@dataclass(frozen=True, slots=True)
class _Answer:
    """A response read in full within its deadline."""

    status_code: int
    headers: httpx.Headers
    content: bytes


class _BodyTooLarge(Exception):
    """A response body grew past `MAX_BODY_BYTES`."""


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The (decoded) body, or `_BodyTooLarge` as soon as it passes `limit` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and len(declared) < 20 and int(declared) > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


_UNKNOWN_CODES = frozenset({ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE})
"""Envelope codes that do not prove a placement was not executed (the server failed somewhere
after receiving it)."""


def _check_placement_answer(
    status: int, envelope: Envelope, sent_ms: int, placing: _Placement
) -> None:
    """Raise `OrderStateUnknown` unless the answer is a well-formed success or refusal.

    A success must come with a 2xx; a refusal must carry a code of PROTOCOL.md section 7 that
    promises non-execution and must not come with a 5xx. A code we do not know proves nothing.
    """
    if status >= 500:
        raise placing.unknown(sent_ms, f"HTTP {status} (server: {envelope.msg or envelope.code})")
    if envelope.ok:
        if not 200 <= status < 300:
            raise placing.unknown(sent_ms, f"success envelope with HTTP {status}")
        return
    if envelope.code in _UNKNOWN_CODES or envelope.code not in _KNOWN_CODES:
        raise placing.unknown(sent_ms, f"server error {envelope.code}: {envelope.msg}")


_KNOWN_CODES = frozenset(code.value for code in ErrorCode)


def _sendable(value: Decimal, name: str) -> str:
    """`value` as the wire writes it, if it is an amount an order can carry.

    Checked before formatting: `Decimal("1e999999999")` written without exponent is a
    gigabyte of zeros. Raises `ValueError` (nothing is sent) for anything not positive and
    within the bounds the gate applies to the wire (`cdx.protocol.limits`).
    """
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{name} must be a positive number")
    if value.adjusted() >= limits.MAX_INTEGER_DIGITS:
        raise ValueError(f"{name} is too large (at most {limits.MAX_INTEGER_DIGITS} digits)")
    if value.as_tuple().exponent < -limits.MAX_DECIMALS:  # type: ignore[operator]
        raise ValueError(f"{name} has more than {limits.MAX_DECIMALS} decimals")
    return to_wire(value)


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise codec.CodecError(f"expected a list, got {type(data).__name__}")
    return data


def _obj(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise codec.CodecError(f"expected an object, got {type(data).__name__}")
    return data


def _digits(value: Any) -> str:
    """An id: a string of digits (an integer is accepted, as other servers send them)."""
    try:
        return gate.digits_id(value)
    except ValueError as exc:
        raise codec.CodecError(str(exc)) from None


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_ms(headers: httpx.Headers) -> int:
    wait = retry_after_ms(headers)
    return 0 if wait is None else int(wait)


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
