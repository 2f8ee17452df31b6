"""Golden examples of PROTOCOL.md revision 2, as literal JSON copied from its text.

Every expectation here is written out by hand from the document, never computed with our own
encoder: a mistake shared by the server and the client would otherwise pass unseen.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from cdx.model.market import Ticker
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import channels, codec, endpoints
from cdx.protocol.channels import Channel, ChannelKind

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))
ETHUSDT = Symbol("ethusdt", "eth", "usdt", 2, 4, D("0.001"), D("5"))
SYMBOLS = {s.name: s for s in (BTCUSDT, ETHUSDT)}

# PROTOCOL.md section 5, GET /v1/ticker?symbol=S, inside the rev 2 all-symbols form.
TICKERS_JSON = """{"date": 1700000000000, "ticker": [
 {"symbol": "btcusdt", "time": 1700000000000, "open": "26810.00", "high": "27250.00",
  "low": "26700.00", "last": "27000.50", "buy": "27000.00", "sell": "27001.00",
  "vol": "1234.567800", "amount": "33210456.12", "rose": "0.0071"}]}"""

BTC_TICKER = Ticker(
    symbol="btcusdt",
    time=1700000000000,
    open=D("26810.00"),
    high=D("27250.00"),
    low=D("26700.00"),
    last=D("27000.50"),
    vol=D("1234.567800"),
    amount=D("33210456.12"),
    rose=D("0.0071"),
    buy=D("27000.00"),
    sell=D("27001.00"),
)

# PROTOCOL.md section 5, GET /v1/ticker/price.
PRICES_JSON = """{"btcusdt": "27000.50", "ethusdt": "1800.25"}"""


def test_every_ticker_encodes_as_documented() -> None:
    assert codec.tickers_to_rest([(BTC_TICKER, BTCUSDT)], 1700000000000) == json.loads(TICKERS_JSON)


def test_every_ticker_decodes_as_documented() -> None:
    date, tickers = codec.tickers_from_rest(json.loads(TICKERS_JSON), symbols=SYMBOLS)
    assert date == 1700000000000
    assert tickers == [BTC_TICKER]


def test_a_ticker_of_an_unlisted_symbol_is_skipped_not_the_answer() -> None:
    data = json.loads(TICKERS_JSON)
    data["ticker"].append({**data["ticker"][0], "symbol": "dogeusdt"})
    assert codec.tickers_from_rest(data, symbols=SYMBOLS)[1] == [BTC_TICKER]


def test_last_prices_encode_as_documented() -> None:
    prices = [(BTCUSDT, D("27000.5")), (ETHUSDT, D("1800.25"))]
    assert codec.prices_to_rest(prices) == json.loads(PRICES_JSON)


def test_last_prices_decode_as_documented() -> None:
    assert codec.prices_from_rest(json.loads(PRICES_JSON), symbols=SYMBOLS) == {
        "btcusdt": D("27000.50"),
        "ethusdt": D("1800.25"),
    }


def test_a_bad_last_price_is_skipped() -> None:
    data = {"btcusdt": "27000.50", "ethusdt": "-1", "dogeusdt": "1.00", "ETH USDT": "2"}
    assert codec.prices_from_rest(data, symbols=SYMBOLS) == {"btcusdt": D("27000.50")}


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1700000000000", 1700000000000),
        ("2023-11-14 22:13:20", 1700000000000),
        ("1970-01-01 00:00:00", 0),
        ("2024-02-29 23:59:59", 1709251199000),
    ],
)
def test_dates_are_unix_ms_or_legacy_text_in_utc(text: str, ms: int) -> None:
    assert codec.date_param_from_wire(text) == ms


@pytest.mark.parametrize(
    "text",
    ["2023-11-14T22:13:20", "2023-11-14 22:13", "2023-02-29 00:00:00", "1700000000000 ", "-5", ""],
)
def test_other_dates_are_refused(text: str) -> None:
    with pytest.raises(codec.CodecError):
        codec.date_param_from_wire(text)


@pytest.mark.parametrize(
    ("name", "interval", "minutes"),
    [
        ("market_btcusdt_kline_1week", "1week", 10080),
        ("market_btcusdt_kline_1month", "1month", 43200),
    ],
)
def test_week_and_month_kline_channels(name: str, interval: str, minutes: int) -> None:
    assert channels.parse(name) == Channel("btcusdt", ChannelKind.KLINE, interval=interval)
    assert channels.kline("btcusdt", interval) == name
    assert channels.KLINE_INTERVALS[interval] == minutes
    assert minutes in endpoints.KLINE_PERIODS_MIN


def test_endpoint_table_of_revision_2() -> None:
    assert endpoints.TICKER.required == () and "symbol" in endpoints.TICKER.allowed
    assert (endpoints.TICKER_PRICE.path, endpoints.TICKER_PRICE.signed) == (
        "/v1/ticker/price",
        False,
    )
    assert endpoints.TICKER_PRICE.group is endpoints.MARKET
    for endpoint in (endpoints.OPEN_ORDERS, endpoints.ALL_ORDERS, endpoints.MY_TRADES):
        assert "sort" in endpoint.allowed
    for endpoint in (endpoints.ALL_ORDERS, endpoints.MY_TRADES):
        assert {"startDate", "endDate"} <= endpoint.allowed
    assert "fee_is_user_exchange_coin" in endpoints.PLACE_ORDER.allowed


def test_a_market_orders_price_is_zero_in_the_price_precision() -> None:
    order = Order(
        id="1043",
        symbol="btcusdt",
        side=Side.BUY,
        type=OrderType.MARKET,
        price=D("0.00"),
        volume=D("250.00"),
        deal_volume=D("0.009000"),
        deal_money=D("243.00"),
        avg_price=D("27000.00"),
        fee=D("0.000009"),
        fee_coin="btc",
        status=OrderStatus.FILLED,
        created_at=1700000000123,
    )
    expected = json.loads(
        """{"id": "1043", "symbol": "btcusdt", "side": "BUY", "type": 2, "price": "0.00",
        "volume": "250.00", "deal_volume": "0.009000", "deal_money": "243", "avg_price": "27000.00",
        "fee": "0.000009", "fee_coin": "btc", "status": 2, "status_msg": "FILLED",
        "created_at": 1700000000123}"""
    )
    assert codec.order_to_wire(order, BTCUSDT) == expected
    assert codec.order_from_wire(expected, symbol=BTCUSDT).price == 0


def test_paged_answers_name_their_list_as_documented() -> None:
    """Section 5: openOrders and myTrades page under `resultList`, allOrders under `orderList`."""
    assert endpoints.OPEN_ORDERS.list_key == "resultList"
    assert endpoints.ALL_ORDERS.list_key == "orderList"
    assert endpoints.MY_TRADES.list_key == "resultList"
    paged = {e.name for e in endpoints.ENDPOINTS if e.list_key}
    assert paged == {"openOrders", "allOrders", "myTrades"}
