"""Paged answers of PROTOCOL.md section 5 as literal JSON: `Page` encodes each endpoint's list
under the key of the endpoint table and parses it back, with `count` checked by the gate and a
malformed entry skipped, not the page."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest

from cdx.model.account import Fill
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, envelope
from cdx.protocol import endpoints as ep
from cdx.protocol.codec import CodecError
from cdx.protocol.page import Page

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.000100"), Decimal("5"))

ORDER_TEXT = (
    '{"id":"1042","symbol":"btcusdt","side":"BUY","type":1,"price":"27000.50",'
    '"volume":"0.010000","deal_volume":"0.004000","deal_money":"108.00","avg_price":"27000.00",'
    '"fee":"0.000004","fee_coin":"btc","status":3,"status_msg":"PART_FILLED",'
    '"created_at":1700000000123}'
)
ORDER_SENT = ORDER_TEXT.replace('"deal_money":"108.00"', '"deal_money":"108"')
"""The documented ORDER as the embedded exchange writes it: a quote amount carries as many
decimals as it needs (PROTOCOL.md section 2), so `108.00` is sent as `108`."""
ORDER = Order(
    id="1042",
    symbol="btcusdt",
    side=Side.BUY,
    type=OrderType.LIMIT,
    price=Decimal("27000.50"),
    volume=Decimal("0.010000"),
    deal_volume=Decimal("0.004000"),
    deal_money=Decimal("108.00"),
    avg_price=Decimal("27000.00"),
    fee=Decimal("0.000004"),
    fee_coin="btc",
    status=OrderStatus.PART_FILLED,
    created_at=1700000000123,
)
FILL_TEXT = (
    '{"id":"77","symbol":"btcusdt","side":"SELL","price":"27000.00","volume":"0.004000",'
    '"fee":"0.108","feeCoin":"usdt","ctime":1700000000500,"order_id":"1042"}'
)
FILL = Fill(
    "77",
    "btcusdt",
    Side.SELL,
    Decimal("27000.00"),
    Decimal("0.004000"),
    Decimal("0.108"),
    "usdt",
    1700000000500,
    "1042",
)


def compact(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))


def read(text: str) -> object:
    return envelope.loads_json(text)


def order_wire(order: Order) -> dict[str, object]:
    return codec.order_to_wire(order, BTCUSDT)


@pytest.mark.parametrize(
    ("endpoint", "text"),
    [
        (ep.OPEN_ORDERS, f'{{"count":1,"resultList":[{ORDER_TEXT}]}}'),
        (ep.ALL_ORDERS, f'{{"count":1,"orderList":[{ORDER_TEXT}]}}'),
    ],
)
def test_order_page_encodes_and_parses_under_its_endpoints_list_key(
    endpoint: ep.Endpoint, text: str
) -> None:
    sent = text.replace(ORDER_TEXT, ORDER_SENT)
    assert compact(Page(1, (ORDER,)).encode(endpoint, order_wire)) == sent
    assert Page.parse(read(text), endpoint, codec.order_from_wire) == Page(1, (ORDER,))


def test_fill_page_of_my_trades() -> None:
    text = f'{{"count":3,"resultList":[{FILL_TEXT}]}}'
    page = Page(3, (FILL,))
    assert compact(page.encode(ep.MY_TRADES, lambda f: codec.fill_to_wire(f, BTCUSDT))) == text
    assert Page.parse(read(text), ep.MY_TRADES, codec.fill_from_wire) == page


def test_a_malformed_entry_is_skipped_and_logged_not_the_page(caplog) -> None:
    bad = ORDER_TEXT.replace('"status":3', '"status":9')
    text = f'{{"count":2,"orderList":[{bad},{ORDER_TEXT}]}}'
    with caplog.at_level(logging.WARNING, logger="cdx.protocol.fields"):
        page = Page.parse(read(text), ep.ALL_ORDERS, codec.order_from_wire)
    assert page == Page(2, (ORDER,))  # one short of the count: a reader can tell
    assert "skipped 1 of 2" in caplog.text


def test_the_list_under_another_endpoints_key_is_not_read() -> None:
    text = f'{{"count":1,"resultList":[{ORDER_TEXT}]}}'
    with pytest.raises(CodecError, match="orderList"):
        Page.parse(read(text), ep.ALL_ORDERS, codec.order_from_wire)


@pytest.mark.parametrize(
    "text",
    [
        '{"resultList":[]}',
        '{"count":-1,"resultList":[]}',
        '{"count":true,"resultList":[]}',
        '{"count":1.5,"resultList":[]}',
        '{"count":1' + "0" * 30 + ',"resultList":[]}',
        '{"count":"x","resultList":[]}',
        '{"count":0,"resultList":{}}',
        '{"count":0}',
        "[]",
        "null",
    ],
)
def test_a_malformed_page_raises_codec_error(text: str) -> None:
    with pytest.raises(CodecError):
        Page.parse(read(text), ep.OPEN_ORDERS, codec.order_from_wire)


def test_an_endpoint_that_does_not_page_has_no_page() -> None:
    with pytest.raises(ValueError, match="does not page"):
        Page.parse({"count": 0}, ep.ACCOUNT_INFO, codec.order_from_wire)


def test_of_cuts_one_page_and_counts_the_whole_list() -> None:
    items = list(range(1, 8))
    assert Page.of(items, 1, 3) == Page(7, (1, 2, 3))
    assert Page.of(items, 3, 3) == Page(7, (7,))
    assert Page.of(items, 4, 3) == Page(7, ())
