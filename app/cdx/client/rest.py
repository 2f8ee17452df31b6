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

This module holds `RestClient`, one method per endpoint; the call beneath them lives by job in
`rest_session` (signed requests and the safe retries), `http_transport` (the deadline and the
body cap), `transport_security` (plain http only to loopback), `placement_answer` (what a
placement sent and what its answer proves) and `paging` (the one paging loop). Their public
names stay importable from here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cdx.client.errors import BadResponse, Baseline, CdxError
from cdx.client.http_transport import MAX_BODY_BYTES
from cdx.client.paging import MAX_PAGES, OpenOrderList, OrderList, every_page
from cdx.client.placement_answer import (
    PLACEMENT_HORIZON_MS,
    REFUSED_HTTP,
    PlacementSent,
    id_order,
    sendable,
)
from cdx.client.ratelimit import Priority
from cdx.client.rest_session import MAX_RATE_RETRIES, RestSession
from cdx.client.transport_security import is_loopback, resolves_to_loopback
from cdx.model.account import Account, Fill
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, gate, limits
from cdx.protocol import endpoints as ep
from cdx.protocol.fields import as_object
from cdx.protocol.page import Page

__all__ = [
    "BASELINE_PAGE",
    "MAX_BODY_BYTES",
    "MAX_PAGES",
    "MAX_RATE_RETRIES",
    "PLACEMENT_HORIZON_MS",
    "REFUSED_HTTP",
    "OpenOrderList",
    "OrderList",
    "RestClient",
    "id_order",
    "is_loopback",
    "resolves_to_loopback",
]

log = logging.getLogger(__name__)

BASELINE_PAGE = 20
"""Orders read to take a placement's baseline (the newest of them is what counts)."""


class RestClient(RestSession):
    """Async client of every REST endpoint; one per server, shared by the whole app.

    Without credentials it is `read_only`: market data works and signed calls raise an
    `AuthError` saying keys are needed. `clock` (seconds) is the local wall clock used to stamp
    signed requests; the offset to the server's clock is learnt from `100006` refusals. The
    call beneath every method (limiter, signing, deadline, safe retries) is `RestSession`'s.
    """

    # market ------------------------------------------------------------------------------

    async def symbols(self) -> list[Symbol]:
        data = await self._call(ep.SYMBOLS, {})
        return self._decode(ep.SYMBOLS, lambda: codec.symbols_from_wire(data))

    async def ticker(self, symbol: Symbol | str) -> Ticker:
        data = await self._call(ep.TICKER, {"symbol": _name(symbol)})
        return self._decode(ep.TICKER, lambda: codec.ticker_from_rest(data, symbol=_rules(symbol)))

    async def tickers(self, symbols: Mapping[str, Symbol] | None = None) -> list[Ticker]:
        """Every symbol's ticker in one call (`GET /v1/ticker` without `symbol`, rev 2); with
        `symbols`, tickers of other symbols are skipped and the rest checked against them."""
        data = await self._call(ep.TICKER, {})
        return self._decode(ep.TICKER, lambda: codec.tickers_from_rest(data, symbols=symbols)[1])

    async def depth(self, symbol: Symbol | str, step: int = 0) -> Book:
        if f"step{step}" not in ep.DEPTH_TYPES:
            raise ValueError(f"depth step must be 0, 1 or 2, got {step}")
        data = await self._call(ep.DEPTH, {"symbol": _name(symbol), "type": f"step{step}"})
        return self._decode(ep.DEPTH, lambda: codec.depth_from_rest(data, symbol=_rules(symbol)))

    async def trades(self, symbol: Symbol | str) -> list[Trade]:
        data = await self._call(ep.TRADES, {"symbol": _name(symbol)})
        return self._decode(ep.TRADES, lambda: codec.trades_from_rest(data, symbol=_rules(symbol)))

    async def klines(self, symbol: Symbol | str, period_min: int = 1) -> list[Kline]:
        if period_min not in ep.KLINE_PERIODS_MIN:
            raise ValueError(f"kline period must be one of {ep.KLINE_PERIODS_MIN} minutes")
        params = {"symbol": _name(symbol), "period": str(period_min)}
        data = await self._call(ep.KLINES, params)
        return self._decode(ep.KLINES, lambda: codec.klines_from_rest(data, symbol=_rules(symbol)))

    # account -----------------------------------------------------------------------------

    async def account(self, *, priority: Priority = Priority.BACKGROUND) -> Account:
        data = await self._call(ep.ACCOUNT_INFO, {}, priority)
        return self._decode(ep.ACCOUNT_INFO, lambda: codec.account_from_wire(data))

    async def show_order(
        self, symbol: Symbol | str, order_id: str, *, priority: Priority = Priority.BACKGROUND
    ) -> Order:
        params = {"symbol": _name(symbol), "order_id": str(order_id)}
        data = await self._call(ep.SHOW_ORDER, params, priority)
        return self._decode(
            ep.SHOW_ORDER,
            lambda: codec.order_from_wire(
                as_object(data, "showOrder data")["order_info"], symbol=_rules(symbol)
            ),
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
        return await self._page(ep.OPEN_ORDERS, params, priority, codec.order_from_wire)

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
        listed = await every_page(
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
        return await every_page(
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
        return await self._page(ep.ALL_ORDERS, params, priority, codec.order_from_wire)

    async def my_trades(
        self,
        symbol: Symbol | str,
        page: int = 1,
        page_size: int = ep.DEFAULT_PAGE_SIZE,
        *,
        priority: Priority = Priority.BACKGROUND,
    ) -> Page[Fill]:
        params = {"symbol": _name(symbol), "page": str(page), "pageSize": str(page_size)}
        return await self._page(ep.MY_TRADES, params, priority, codec.fill_from_wire)

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
            "volume": sendable(volume, "volume"),
            "price": "" if price is None else sendable(price, "price"),
        }
        baseline = await self._baseline(name)
        placing = PlacementSent(name, Side(side), OrderType(type), volume, price, baseline)
        data, sent_ms = await self._call_placing(params, placing)
        try:
            order_id = _digits(as_object(data, "order data")["order_id"])
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


def _name(symbol: Symbol | str) -> str:
    return symbol.name if isinstance(symbol, Symbol) else symbol


def _rules(symbol: Symbol | str) -> Symbol | None:
    """The symbol whose precisions the gate checks an answer against, when the caller has it."""
    return symbol if isinstance(symbol, Symbol) else None


def _digits(value: Any) -> str:
    """An id: a string of digits (an integer is accepted, as other servers send them)."""
    try:
        return gate.digits_id(value)
    except ValueError as exc:
        raise codec.CodecError(str(exc)) from None
