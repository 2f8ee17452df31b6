"""Literal JSON of PROTOCOL.md section 5 decoded into the model, and the model written back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdx.model.book import Book
from cdx.model.order import OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, envelope
from cdx.protocol.decimals import DecimalFormatError, parse_param, places

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5"))

ORDER_JSON = """{"id": "1042", "symbol": "btcusdt", "side": "BUY", "type": 1, "price": "27000.50",
 "volume": "0.010000", "deal_volume": "0.004000", "deal_money": "108.00", "avg_price": "27000.00",
 "fee": "0.000004", "fee_coin": "btc", "status": 3, "status_msg": "PART_FILLED",
 "created_at": 1700000000123}"""


def test_documented_order_decodes() -> None:
    order = codec.order_from_wire(envelope.loads_json(ORDER_JSON))
    assert order.id == "1042"
    assert order.side is Side.BUY and order.type is OrderType.LIMIT
    assert order.status is OrderStatus.PART_FILLED and order.is_open
    assert order.remaining == Decimal("0.006000")


def test_order_encodes_with_symbol_precision() -> None:
    order = codec.order_from_wire(envelope.loads_json(ORDER_JSON))
    wire = codec.order_to_wire(order, BTCUSDT)
    assert wire["price"] == "27000.50"
    assert wire["volume"] == "0.010000"
    assert wire["status_msg"] == "PART_FILLED"
    assert codec.order_from_wire(wire) == order


def test_documented_symbol_decodes_and_round_trips() -> None:
    obj = {
        "symbol": "btcusdt",
        "base_coin": "btc",
        "count_coin": "usdt",
        "price_precision": 2,
        "amount_precision": 6,
        "min_amount": "0.000100",
        "min_value": "5",
    }
    symbol = codec.symbol_from_wire(obj)
    assert symbol == BTCUSDT
    assert codec.symbol_to_wire(symbol) == obj


def test_rest_depth_uses_bids_and_push_uses_buys() -> None:
    book = Book(
        asks=((Decimal("27001.00"), Decimal("0.25")),), bids=((Decimal("27000"), Decimal("1")),)
    )
    rest = codec.depth_to_rest(book, BTCUSDT, 0)
    push = codec.depth_to_push_tick(book, BTCUSDT, 0)
    assert rest["tick"]["bids"] == [["27000.00", "1.000000"]]
    assert push["buys"] == [["27000.00", "1.000000"]]
    assert codec.depth_from_push(1700000000000, push).bids == codec.depth_from_rest(rest).bids


def test_depth_at_step2_prints_fewer_decimals() -> None:
    book = Book(asks=((Decimal("27001"), Decimal("1")),), bids=())
    assert codec.depth_to_rest(book, BTCUSDT, 2)["tick"]["asks"] == [["27001", "1.000000"]]


def test_json_numbers_are_accepted_without_float_rounding() -> None:
    data = envelope.loads_json(
        '{"tick": {"asks": [[27001.10, 0.1]], "bids": [], "time": 1700000000000}}'
    )
    book = codec.depth_from_rest(data)
    assert book.asks[0] == (Decimal("27001.10"), Decimal("0.1"))


def test_missing_field_is_named() -> None:
    with pytest.raises(codec.CodecError, match="deal_money"):
        codec.order_from_wire(
            {k: v for k, v in envelope.loads_json(ORDER_JSON).items() if k != "deal_money"}
        )


def test_unknown_status_is_refused() -> None:
    obj = envelope.loads_json(ORDER_JSON)
    obj["status"] = 9
    with pytest.raises(codec.CodecError, match="status"):
        codec.order_from_wire(obj)


def test_account_decodes_normal_as_available() -> None:
    data = {
        "total_asset": "1.52340000",
        "coin_list": [
            {"coin": "btc", "normal": "0.500000", "locked": "0.010000", "btcValuatin": "0.51000000"}
        ],
    }
    account = codec.account_from_wire(data)
    assert account.balance("btc").available == Decimal("0.5")
    assert account.balance("btc").locked == Decimal("0.01")
    assert account.balance("eth").total == 0


def test_kline_rest_row_decodes() -> None:
    bar = codec.kline_from_rest([1700000000, "1", "2", "0.5", "1.5", "10"])
    assert (bar.open_time, bar.high, bar.close) == (1700000000, Decimal(2), Decimal("1.5"))


def test_envelope_parse_and_errors() -> None:
    ok = envelope.parse(b'{"code":"0","msg":"suc","data":{"order_id":"1043"}}')
    assert ok.ok and ok.data == {"order_id": "1043"}
    with pytest.raises(envelope.EnvelopeError):
        envelope.parse(b"<html>502</html>")


@pytest.mark.parametrize(
    "text", ["NaN", "1e3", "-1", "", " 1", "1.", ".5", "+1", "Infinity", "1" * 40]
)
def test_parse_param_refuses_anything_but_plain_decimals(text: str) -> None:
    with pytest.raises(DecimalFormatError):
        parse_param(text)


def test_parse_param_keeps_written_decimals() -> None:
    assert places(parse_param("0.0100")) == 4
