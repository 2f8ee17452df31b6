"""The REST endpoint table and rate-limit groups of PROTOCOL.md sections 4 and 5, as data.

The server's routes and the client's methods are both checked against this table, so an
endpoint exists on the wire exactly when it is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Method(StrEnum):
    GET = "GET"
    POST = "POST"


class KeyedBy(StrEnum):
    """What a rate-limit group counts requests against."""

    IP = "ip"
    API_KEY = "api_key"


@dataclass(frozen=True, slots=True)
class RateGroup:
    """At most `limit` accepted requests in every half-open window of `window_ms` ms."""

    name: str
    limit: int
    window_ms: int
    keyed_by: KeyedBy


MARKET = RateGroup("market", 100, 1000, KeyedBy.IP)
ACCOUNT = RateGroup("account", 1, 100, KeyedBy.API_KEY)
ORDER = RateGroup("order", 5, 100, KeyedBy.API_KEY)
RATE_GROUPS: tuple[RateGroup, ...] = (MARKET, ACCOUNT, ORDER)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint: where it lives, how it is called and what it takes.

    `required` and `optional` list the endpoint's own parameters; signed endpoints also take
    `api_key`, `time` and `sign` (see `SIGNED_PARAMS`). `list_key` names the list of a paged
    answer (`{"count": N, list_key: [...]}`); it is empty for an endpoint that does not page.
    """

    name: str
    path: str
    method: Method
    signed: bool
    group: RateGroup
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    list_key: str = ""

    @property
    def allowed(self) -> frozenset[str]:
        """Every parameter name the server accepts for this endpoint."""
        own = set(self.required) | set(self.optional)
        return frozenset(own | set(SIGNED_PARAMS) if self.signed else own)


SIGNED_PARAMS: tuple[str, ...] = ("api_key", "time", "sign")

SYMBOLS = Endpoint("symbols", "/v1/symbols", Method.GET, False, MARKET)
TICKER = Endpoint("ticker", "/v1/ticker", Method.GET, False, MARKET, (), ("symbol",))
"""With `symbol` one ticker; without it (rev 2) `{"date", "ticker": [...]}` of every symbol."""
TICKER_PRICE = Endpoint("tickerPrice", "/v1/ticker/price", Method.GET, False, MARKET)
"""rev 2: the last price of every symbol, `{"btcusdt": "27000.50", ...}`."""
DEPTH = Endpoint("depth", "/v1/depth", Method.GET, False, MARKET, ("symbol",), ("type",))
TRADES = Endpoint("trades", "/v1/trades", Method.GET, False, MARKET, ("symbol",))
KLINES = Endpoint("klines", "/v1/klines", Method.GET, False, MARKET, ("symbol", "period"))
ACCOUNT_INFO = Endpoint("account", "/v1/account", Method.POST, True, ACCOUNT)
SHOW_ORDER = Endpoint(
    "showOrder", "/v1/showOrder", Method.POST, True, ACCOUNT, ("order_id", "symbol")
)
OPEN_ORDERS = Endpoint(
    "openOrders",
    "/v1/openOrders",
    Method.POST,
    True,
    ACCOUNT,
    ("symbol",),
    ("page", "pageSize", "sort"),
    list_key="resultList",
)
ALL_ORDERS = Endpoint(
    "allOrders",
    "/v1/allOrders",
    Method.POST,
    True,
    ACCOUNT,
    ("symbol",),
    ("startDate", "endDate", "page", "pageSize", "sort"),
    list_key="orderList",
)
MY_TRADES = Endpoint(
    "myTrades",
    "/v1/myTrades",
    Method.POST,
    True,
    ACCOUNT,
    ("symbol",),
    ("startDate", "endDate", "page", "pageSize", "sort"),
    list_key="resultList",
)
PLACE_ORDER = Endpoint(
    "order",
    "/v1/order",
    Method.POST,
    True,
    ORDER,
    ("symbol", "side", "type", "volume"),
    ("price", "fee_is_user_exchange_coin"),
)
"""A market order's `price` is signed and ignored (rev 2); so is `fee_is_user_exchange_coin`."""
CANCEL_ORDER = Endpoint(
    "cancelOrder", "/v1/orders/cancel", Method.POST, True, ORDER, ("order_id", "symbol")
)
CANCEL_ALL = Endpoint(
    "cancelAllOrders", "/v1/cancelAllOrders", Method.POST, True, ORDER, ("symbol",)
)

ENDPOINTS: tuple[Endpoint, ...] = (
    SYMBOLS,
    TICKER,
    TICKER_PRICE,
    DEPTH,
    TRADES,
    KLINES,
    ACCOUNT_INFO,
    SHOW_ORDER,
    OPEN_ORDERS,
    ALL_ORDERS,
    MY_TRADES,
    PLACE_ORDER,
    CANCEL_ORDER,
    CANCEL_ALL,
)

BY_PATH: dict[str, Endpoint] = {endpoint.path: endpoint for endpoint in ENDPOINTS}

DEPTH_TYPES: tuple[str, ...] = ("step0", "step1", "step2")
KLINE_PERIODS_MIN: tuple[int, ...] = (1, 5, 15, 30, 60, 1440, 10080, 43200)
"""Kline periods in minutes; rev 2 adds a week (10080) and a month of 30 days (43200)."""
SORT_NEWEST_FIRST = "1"
SORT_OLDEST_FIRST = "0"
SORT_VALUES: tuple[str, ...] = (SORT_NEWEST_FIRST, SORT_OLDEST_FIRST)
"""rev 2 `sort` of openOrders, allOrders and myTrades; absent means newest first."""
FEE_COIN_VALUES: tuple[str, ...] = ("0", "1")
"""rev 2 `fee_is_user_exchange_coin` of /v1/order: accepted, signed and ignored."""
MAX_DEPTH_LEVELS = 150
MAX_TRADES = 100
MAX_KLINES = 300
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 100

RATE_HEADER_GROUP = "X-RateLimit-Group"
RATE_HEADER_LIMIT = "X-RateLimit-Limit"
RATE_HEADER_WINDOW = "X-RateLimit-Window-Ms"
RATE_HEADER_REMAINING = "X-RateLimit-Remaining"
RATE_HEADER_RETRY_MS = "X-RateLimit-Retry-After-Ms"
