"""REST endpoints: the request pipeline of PROTOCOL.md section 3 and one data function each.

The pipeline runs the checks in the protocol's order and the first failure is the answer:
parameters (`100004`), api_key (`100003`), time window (`100006`), signature (`100005`), rate
limit (`100009`), then the endpoint's own rules (the backend's codes). Every response is an
envelope with the `X-RateLimit-*` headers of the endpoint's group.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from email.utils import formatdate
from typing import Any, TypeVar

from aiohttp import web

from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, endpoints, envelope
from cdx.protocol.endpoints import Endpoint, KeyedBy, Method, RateGroup
from cdx.protocol.errors import ErrorCode
from cdx.protocol.page import Page
from cdx.protocol.refusal import Refusal
from cdx.server import params as wire_params
from cdx.server.auth import Credentials
from cdx.server.backend import Backend
from cdx.server.faults import Faults
from cdx.server.ratelimit import Decision, SlidingWindowLimiter

logger = logging.getLogger(__name__)

T = TypeVar("T")

Params = Mapping[str, str]
DataFunction = Callable[[Backend, Params, str, int], Any]
"""(engine, params, api_key or "" when unsigned, server now in ms) -> the envelope's `data`."""


def envelope_response(
    body: dict[str, Any], status: int, decision: Decision, now_ms: int
) -> web.Response:
    """An envelope with the rate-limit headers and a `Date` from the server's own clock.

    The `Date` header follows the injected clock so a client that corrects its offset from it
    lands inside the time window of this server, not of the wall clock.
    """
    headers = decision.headers()
    headers["Date"] = formatdate(now_ms / 1000, usegmt=True)
    return web.Response(
        body=envelope.dumps(body),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class RestFront:
    """Answers every REST endpoint of the table from the engine, under the protocol's checks."""

    def __init__(
        self,
        engine: Backend,
        faults: Faults,
        credentials: Credentials,
        clock: Callable[[], int],
    ) -> None:
        self.engine = engine
        self.faults = faults
        self.credentials = credentials
        self.clock = clock
        self.limiter = SlidingWindowLimiter()

    def handler(self, endpoint: Endpoint) -> Callable[[web.Request], Any]:
        """The aiohttp handler of one endpoint."""
        data_function = DATA_FUNCTIONS[endpoint.name]

        async def handle(request: web.Request) -> web.Response:
            return await self._handle(request, endpoint, data_function)

        return handle

    def refusal_response(
        self, request: web.Request, group: RateGroup, refusal: Refusal
    ) -> web.Response:
        """An error envelope for a request that never reached an endpoint (404, 405, 413)."""
        now_ms = self.clock()
        key = self._key_hint(request, group)
        decision = self.limiter.peek(group, key, now_ms)
        return envelope_response(
            envelope.failure(refusal.code, refusal.msg), refusal.status, decision, now_ms
        )

    @staticmethod
    def _key_hint(request: web.Request, group: RateGroup) -> str:
        if group.keyed_by is KeyedBy.IP:
            return request.remote or ""
        return request.rel_url.query.get("api_key", "")

    async def _handle(
        self, request: web.Request, endpoint: Endpoint, data_function: DataFunction
    ) -> web.Response:
        now_ms = self.clock()
        group = endpoint.group
        key = (request.remote or "") if group.keyed_by is KeyedBy.IP else ""
        decision: Decision | None = None
        try:
            if self.faults.take_rest_failure():
                raise Refusal(ErrorCode.UNAVAILABLE, "the exchange is unavailable; try again")
            pairs = await self._read(request, endpoint)
            if endpoint.signed:
                # Headers of a refused request report the window of the key it named.
                key = next((value for name, value in pairs if name == "api_key"), "")
            params = wire_params.collect(endpoint, pairs)
            api_key = ""
            if endpoint.signed:
                api_key = self.credentials.authenticate(params, now_ms)
            decision = self.limiter.acquire(group, key, now_ms)
            if not decision.accepted:
                raise Refusal(
                    ErrorCode.RATE_LIMITED,
                    f"too many {group.name} requests: at most {group.limit} per "
                    f"{group.window_ms} ms; retry in {decision.retry_after_ms} ms",
                )
            body = envelope.success(data_function(self.engine, params, api_key, now_ms))
            status = 200
        except Refusal as exc:
            body, status = envelope.failure(exc.code, exc.msg), exc.status
        except Exception:
            # A bug, not a refusal: log it, and tell the client the request may have run.
            logger.exception("unexpected error answering %s", endpoint.path)
            body = envelope.failure(
                ErrorCode.INTERNAL, "internal error; the request may or may not have run"
            )
            status = ErrorCode.INTERNAL.http_status
        if decision is None:
            decision = self.limiter.peek(group, key, now_ms)
        if self.faults.rest_delay > 0:
            await asyncio.sleep(self.faults.rest_delay)
        return envelope_response(body, status, decision, now_ms)

    @staticmethod
    async def _read(request: web.Request, endpoint: Endpoint) -> list[tuple[str, str]]:
        """The raw pairs from where the protocol says they travel for this method."""
        query = request.rel_url.raw_query_string
        if endpoint.method is Method.GET:
            return wire_params.decode(query, "query string")
        if query:
            raise Refusal(
                ErrorCode.BAD_PARAMETER,
                f"POST {endpoint.path} takes its parameters in the form body, not the query string",
            )
        if request.content_type != wire_params.FORM_CONTENT_TYPE:
            raise Refusal(
                ErrorCode.BAD_PARAMETER,
                f"POST {endpoint.path} needs Content-Type {wire_params.FORM_CONTENT_TYPE}",
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Refusal(
                ErrorCode.BAD_PARAMETER, "request body is larger than 1 MiB", status=413
            ) from None
        return wire_params.decode_body(body)


# Data functions ----------------------------------------------------------------------------


def _symbol(engine: Backend, params: Params) -> Symbol:
    name = params["symbol"]
    symbol = engine.symbols.get(name)
    if symbol is None:
        shown = name if len(name) <= 20 else name[:20] + "..."
        raise Refusal(ErrorCode.UNKNOWN_SYMBOL, f"unknown symbol {shown!r}; see GET /v1/symbols")
    return symbol


def _paged(
    items: Sequence[T], params: Params, endpoint: Endpoint, encode: Callable[[T], Any]
) -> dict[str, Any]:
    """One page of `items` (given newest first) under the endpoint's list key, with `count`
    the total over all pages; `sort=0` (rev 2) pages through them oldest first instead."""
    if params.get("sort", endpoints.SORT_NEWEST_FIRST) == endpoints.SORT_OLDEST_FIRST:
        items = items[::-1]
    page = int(params.get("page", "1"))
    size = int(params.get("pageSize", str(endpoints.DEFAULT_PAGE_SIZE)))
    return Page.of(items, page, size).encode(endpoint, encode)


def symbols(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    return [codec.symbol_to_wire(symbol) for symbol in engine.symbols.values()]


def ticker(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    if "symbol" not in params:
        # rev 2: every symbol in /v1/symbols order, one request of the market group.
        every = [(engine.ticker(s.name, now_ms), s) for s in engine.symbols.values()]
        return codec.tickers_to_rest(every, now_ms)
    symbol = _symbol(engine, params)
    return codec.ticker_to_rest(engine.ticker(symbol.name, now_ms), symbol)


def ticker_price(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    last = [(s, engine.ticker(s.name, now_ms).last) for s in engine.symbols.values()]
    return codec.prices_to_rest(last)


def depth(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    step = endpoints.DEPTH_TYPES.index(params.get("type", endpoints.DEPTH_TYPES[0]))
    return codec.depth_to_rest(engine.book(symbol.name, step, now_ms), symbol, step)


def trades(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    recent = engine.trades(symbol.name, limit=endpoints.MAX_TRADES)
    return [codec.trade_to_rest(trade, symbol) for trade in recent]


def klines(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    bars = engine.klines(symbol.name, int(params["period"]), now_ms, limit=endpoints.MAX_KLINES)
    return [codec.kline_to_rest(bar, symbol) for bar in bars]


def account(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    return codec.account_to_wire(engine.account(api_key))


def show_order(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    order = engine.get_order(api_key, symbol.name, params["order_id"])
    return {"order_info": codec.order_to_wire(order, symbol)}


def open_orders(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    orders = engine.open_orders(api_key, symbol.name)
    return _paged(
        orders, params, endpoints.OPEN_ORDERS, lambda order: codec.order_to_wire(order, symbol)
    )


def all_orders(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    start, end = _dates(params)
    orders = engine.all_orders(api_key, symbol.name, start, end)
    return _paged(
        orders, params, endpoints.ALL_ORDERS, lambda order: codec.order_to_wire(order, symbol)
    )


def my_trades(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    fills = engine.fills(api_key, symbol.name, *_dates(params))
    return _paged(fills, params, endpoints.MY_TRADES, lambda fill: codec.fill_to_wire(fill, symbol))


def _dates(params: Params) -> tuple[int | None, int | None]:
    """(startDate, endDate) in Unix ms, each None when absent (already checked by params)."""
    start, end = params.get("startDate"), params.get("endDate")
    return (
        wire_params.date("startDate", start) if start is not None else None,
        wire_params.date("endDate", end) if end is not None else None,
    )


def place_order(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    """`fee_is_user_exchange_coin` is ignored (no platform coin), as is a market order's
    `price` (rev 2): both were signed, and that is all they are for."""
    kind = OrderType(int(params["type"]))
    order = engine.place_order(
        api_key,
        params["symbol"],
        Side(params["side"]),
        kind,
        params["volume"],
        params.get("price") if kind is OrderType.LIMIT else None,
        now_ms,
    )
    return {"order_id": order.id}


def cancel_order(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    engine.cancel_order(api_key, symbol.name, params["order_id"], now_ms)
    return {}


def cancel_all(engine: Backend, params: Params, api_key: str, now_ms: int) -> Any:
    symbol = _symbol(engine, params)
    engine.cancel_all(api_key, symbol.name, now_ms)
    return {}


DATA_FUNCTIONS: dict[str, DataFunction] = {
    endpoints.SYMBOLS.name: symbols,
    endpoints.TICKER.name: ticker,
    endpoints.TICKER_PRICE.name: ticker_price,
    endpoints.DEPTH.name: depth,
    endpoints.TRADES.name: trades,
    endpoints.KLINES.name: klines,
    endpoints.ACCOUNT_INFO.name: account,
    endpoints.SHOW_ORDER.name: show_order,
    endpoints.OPEN_ORDERS.name: open_orders,
    endpoints.ALL_ORDERS.name: all_orders,
    endpoints.MY_TRADES.name: my_trades,
    endpoints.PLACE_ORDER.name: place_order,
    endpoints.CANCEL_ORDER.name: cancel_order,
    endpoints.CANCEL_ALL.name: cancel_all,
}
"""Endpoint name -> its data function; `create_app` refuses to start if the table has more."""
