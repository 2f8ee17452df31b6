"""The gate at the edge: hostile wire values are refused one entry at a time, never shown.

Each test names the variant of issue 10 (family 1 and the lesser items on values) it covers.
Literal JSON comes from PROTOCOL.md or is written by hand here, never by our own encoder.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import codec, envelope, gate, limits
from cdx.protocol.decimals import DecimalFormatError, from_wire

BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5"))
T0 = 1_700_000_000_000

ORDER: dict[str, Any] = {
    "id": "1042",
    "symbol": "btcusdt",
    "side": "BUY",
    "type": 1,
    "price": "27000.50",
    "volume": "0.010000",
    "deal_volume": "0.004000",
    "deal_money": "108.00",
    "avg_price": "27000.00",
    "fee": "0.000004",
    "fee_coin": "btc",
    "status": 3,
    "status_msg": "PART_FILLED",
    "created_at": 1700000000123,
}


def trade(**changes: Any) -> dict[str, Any]:
    base = {"id": "981", "side": "BUY", "price": "27000.50", "vol": "0.010000", "ts": T0}
    return base | changes


# Decimals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "1e400",
        "1e999999999",
        "-1e400",
        "1e-400",
        "1E+15",
        "1000000000000000",
        "0.0000000000000000001",  # 19 decimals
        "999999999999999.999999999999999999",  # 33 significant digits
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "sNaN",
        "٢٠٠٠٠",  # Arabic-Indic digits
        "０.００１",  # full-width digits
        "0.001_0",
        "1 000",
        "",
        "  ",
        "1" * (limits.MAX_NUMBER_TEXT + 1),
        "0x10",
        Decimal("1e400"),
        Decimal("NaN"),
        Decimal("-Infinity"),
        10**20,
        pytest.param(10**5000, id="int-of-5000-digits"),
        True,
        1.5,
        None,
        [],
        {},
    ],
)
def test_out_of_range_or_odd_decimals_are_refused(value: Any) -> None:
    with pytest.raises(DecimalFormatError):
        from_wire(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("27000.50", "27000.50"),
        ("0.000100", "0.000100"),
        (" 5 ", "5"),
        ("-0", "0"),
        ("1E+3", "1000"),
        (Decimal("27001.10"), "27001.10"),
        (12, "12"),
        ("999999999999999.9999999999999", "999999999999999.9999999999999"),
        ("100000000000000.000000000000000000", "100000000000000.0000000000000"),
        ("1.0000000000000000000000", "1.000000000000000000"),  # zeros past 18 dropped
        ("0.000000000000000001", "0.000000000000000001"),
    ],
)
def test_plain_decimals_within_bounds_are_kept_as_written(value: Any, expected: str) -> None:
    result = from_wire(value)
    assert str(result) == expected or format(result, "f") == expected


def test_json_number_1e400_costs_its_level_not_the_push() -> None:
    tick = envelope.loads_json(
        '{"asks": [[1e400, "1.0"], ["27001.00", "0.250000"]], "buys": [["27000.00", 1e999999999]]}'
    )
    book = codec.depth_from_push(T0, tick, symbol=BTCUSDT)
    assert book.asks == ((Decimal("27001.00"), Decimal("0.250000")),)
    assert book.bids == ()


def test_price_and_amount_beyond_the_symbols_precision_are_skipped() -> None:
    tick = {"asks": [["27001.005", "1"], ["27002.00", "0.0000001"], ["27003.10", "1"]], "buys": []}
    assert codec.depth_from_push(T0, tick, symbol=BTCUSDT).asks == (
        (Decimal("27003.10"), Decimal("1")),
    )
    # without the symbol only the global bounds apply
    assert len(codec.depth_from_push(T0, tick).asks) == 3


def test_trailing_zeros_past_the_precision_are_not_extra_decimals() -> None:
    tick = {"asks": [["27001.0000", "0.25000000"]], "buys": []}
    assert codec.depth_from_push(T0, tick, symbol=BTCUSDT).asks[0][0] == Decimal("27001")


def test_a_price_too_large_to_quantize_to_its_precision_is_refused() -> None:
    deep = Symbol("xy", "x", "y", 18, 0, Decimal(0), Decimal(0))
    with pytest.raises(ValueError, match="too large"):
        gate.decimal("123456789012", decimals=deep.price_precision)
    assert gate.decimal("1234567890", decimals=18) == Decimal("1234567890")


# Depth ----------------------------------------------------------------------------------------


def test_negative_and_zero_levels_are_skipped() -> None:
    tick = {
        "asks": [["27001.00", "-1"], ["-27002.00", "1"], ["27003.00", "0"], ["27004.00", "2"]],
        "buys": [["27000.00", "1"]],
    }
    book = codec.depth_from_push(T0, tick)
    assert book.asks == ((Decimal("27004.00"), Decimal("2")),)


def test_level_that_is_not_a_pair_is_skipped() -> None:
    tick = {"asks": [["27001.00"], "27002", {"p": 1}, ["27003.00", "1"]], "buys": []}
    assert [price for price, _ in codec.depth_from_push(T0, tick).asks] == [Decimal("27003.00")]


def test_unsorted_book_is_sorted_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    tick = {
        "asks": [["27003.00", "1"], ["27001.00", "1"], ["27002.00", "1"]],
        "buys": [["26998.00", "1"], ["27000.00", "1"], ["26999.00", "1"]],
    }
    with caplog.at_level(logging.WARNING):
        book = codec.depth_from_push(T0, tick)
    assert [p for p, _ in book.asks] == [Decimal(27001), Decimal(27002), Decimal(27003)]
    assert [p for p, _ in book.bids] == [Decimal(27000), Decimal(26999), Decimal(26998)]
    assert "not sorted" in caplog.text


def test_price_given_twice_keeps_the_first_amount() -> None:
    tick = {"asks": [["27001.00", "1"], ["27001.0", "5"], ["27002.00", "2"]], "buys": []}
    assert codec.depth_from_push(T0, tick).asks == (
        (Decimal("27001.00"), Decimal("1")),
        (Decimal("27002.00"), Decimal("2")),
    )


def test_crossed_book_drops_the_crossing_levels(caplog: pytest.LogCaptureFixture) -> None:
    tick = {
        "asks": [["26990.00", "1"], ["27001.00", "1"]],
        "buys": [["27010.00", "1"], ["27000.00", "1"]],
    }
    with caplog.at_level(logging.WARNING):
        book = codec.depth_from_push(T0, tick)
    assert not book.crossed
    assert (book.best_bid, book.best_ask) == (Decimal("27000.00"), Decimal("27001.00"))
    assert "crossed" in caplog.text


def test_locked_book_is_crossed_too() -> None:
    tick = {"asks": [["27000.00", "1"]], "buys": [["27000.00", "1"]]}
    book = codec.depth_from_push(T0, tick)
    assert book.asks == () and book.bids == ()


def test_more_than_150_levels_are_cut_to_the_best() -> None:
    rows = [[f"{27000 + i}.00", "1"] for i in range(400)][::-1]
    book = codec.depth_from_push(T0, {"asks": rows, "buys": []})
    assert len(book.asks) == 150
    assert book.best_ask == Decimal("27000.00")


def test_a_side_that_is_not_a_list_refuses_the_push() -> None:
    with pytest.raises(codec.CodecError, match="asks"):
        codec.depth_from_push(T0, {"asks": "27000", "buys": []})


@pytest.mark.parametrize(
    "ts", [10**20, -1, 0, "1700000000000x", True, None, 1.7e12, pytest.param(10**5000, id="huge")]
)
def test_push_time_out_of_range_refuses_the_whole_push(ts: Any) -> None:
    with pytest.raises(codec.CodecError, match="ts"):
        codec.depth_from_push(ts, {"asks": [], "buys": []})
    with pytest.raises(codec.CodecError):
        codec.time_ms(ts)


def test_rest_depth_time_zero_or_missing_means_unknown() -> None:
    assert codec.depth_from_rest({"tick": {"asks": [], "bids": [], "time": 0}}).time == 0
    assert codec.depth_from_rest({"tick": {"asks": [], "bids": []}}).time == 0
    with pytest.raises(codec.CodecError, match="time"):
        codec.depth_from_rest({"tick": {"asks": [], "bids": [], "time": 10**20}})


# Trades ---------------------------------------------------------------------------------------


def test_trade_with_ts_of_ten_to_the_twenty_is_skipped_not_the_push() -> None:
    tick = {"data": [trade(ts=10**20), trade(id="982")]}
    trades = codec.trades_from_push(tick, symbol=BTCUSDT)
    assert [t.id for t in trades] == ["982"]


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "٩٨١"},
        {"id": "1" * 21},
        {"id": "-5"},
        {"id": ""},
        {"id": 1.5},
        {"price": "0"},
        {"price": "-27000.50"},
        {"price": "1e400"},
        {"vol": "1e999999999"},
        {"vol": "0.0000001"},  # beyond amount_precision 6
        {"side": "buy"},
        {"side": ["BUY"]},
        {"ts": "soon"},
    ],
)
def test_bad_trade_fields_are_skipped(bad: dict[str, Any]) -> None:
    trades = codec.trades_from_push({"data": [trade(**bad), trade(id="982")]}, symbol=BTCUSDT)
    assert [t.id for t in trades] == ["982"]


def test_skipped_trades_are_logged_once_per_push(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        codec.trades_from_push({"data": [trade(price="\x1b[31m1")] * 50})
    lines = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(lines) == 1
    assert "skipped 50 of 50" in lines[0].getMessage()
    assert "\x1b" not in lines[0].getMessage()


def test_trade_id_sent_as_a_json_integer_is_written_out() -> None:
    assert codec.trade_from_rest(
        {"id": 981, "price": "1", "amount": "1", "side": "SELL", "ts": T0}
    ).id == ("981")


# Klines ---------------------------------------------------------------------------------------


def test_kline_open_time_is_in_seconds_so_milliseconds_are_refused() -> None:
    assert codec.kline_from_rest([1700000000, "1", "2", "0.5", "1.5", "10"]).open_time == 1700000000
    with pytest.raises(codec.CodecError, match="id"):
        codec.kline_from_rest([1700000000000, "1", "2", "0.5", "1.5", "10"])


def test_kline_with_low_above_high_is_skipped() -> None:
    bars = codec.klines_from_rest(
        [[1700000000, "1", "0.5", "2", "1.5", "10"], [1700000060, "1", "2", "0.5", "1.5", "10"]]
    )
    assert [bar.open_time for bar in bars] == [1700000060]


def test_kline_push_with_huge_volume_is_refused() -> None:
    tick = {"id": 1700000000, "open": "1", "high": "2", "low": "1", "close": "1", "vol": 1e300}
    with pytest.raises(codec.CodecError, match="vol"):
        codec.kline_from_push(tick)


# Ticker ---------------------------------------------------------------------------------------

TICKER_REST = {
    "symbol": "btcusdt",
    "time": 1700000000000,
    "open": "26810.00",
    "high": "27250.00",
    "low": "26700.00",
    "last": "27000.50",
    "buy": "27000.00",
    "sell": "27001.00",
    "vol": "1234.567800",
    "amount": "33210456.12",
    "rose": "0.0071",
}


def test_documented_rest_ticker_decodes_with_its_symbol() -> None:
    ticker = codec.ticker_from_rest(TICKER_REST, symbol=BTCUSDT)
    assert (ticker.last, ticker.buy, ticker.rose) == (
        Decimal("27000.50"),
        Decimal("27000.00"),
        Decimal("0.0071"),
    )


def test_negative_rose_is_a_ratio_and_allowed() -> None:
    assert codec.ticker_from_rest(TICKER_REST | {"rose": "-0.5"}).rose == Decimal("-0.5")


@pytest.mark.parametrize(
    "bad",
    [
        {"last": "-1"},
        {"vol": "-0.1"},
        {"low": "27300.00"},  # above high
        {"time": 10**20},
        {"symbol": "BTC/USDT"},
        {"amount": "1e400"},
        {"rose": "Infinity"},
    ],
)
def test_senseless_ticker_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(codec.CodecError):
        codec.ticker_from_rest(TICKER_REST | bad)


def test_ticker_of_another_symbol_is_refused() -> None:
    with pytest.raises(codec.CodecError, match="btcusdt"):
        codec.ticker_from_rest(TICKER_REST | {"symbol": "ethusdt"}, symbol=BTCUSDT)


def test_ticker_best_bid_of_zero_or_null_is_no_bid() -> None:
    assert codec.ticker_from_rest(TICKER_REST | {"buy": "0"}).buy is None
    assert codec.ticker_from_rest(TICKER_REST | {"buy": None, "sell": None}).sell is None
    with pytest.raises(codec.CodecError, match="sell"):
        codec.ticker_from_rest(TICKER_REST | {"sell": "-1"})


def test_crossed_ticker_bid_and_ask_are_dropped_not_the_ticker() -> None:
    ticker = codec.ticker_from_rest(TICKER_REST | {"buy": "27002.00"})
    assert ticker.buy is None and ticker.sell is None and ticker.last == Decimal("27000.50")


def test_ticker_push_with_a_bad_channel_symbol_is_refused() -> None:
    tick = {k: "1" for k in ("open", "high", "low", "close", "vol", "amount", "rose")}
    assert codec.ticker_from_push("btcusdt", T0, tick).last == 1
    with pytest.raises(codec.CodecError):
        codec.ticker_from_push("x" * 100, T0, tick)


# Account --------------------------------------------------------------------------------------


def test_balance_of_1e400_or_negative_is_skipped_not_the_account() -> None:
    data = envelope.loads_json(
        '{"total_asset": "1.5", "coin_list": ['
        '{"coin": "btc", "normal": 1e400, "locked": "0"},'
        '{"coin": "eth", "normal": "-2", "locked": "0"},'
        '{"coin": "sol", "normal": "1", "locked": "-0.5"},'
        '{"coin": "usdt", "normal": "100.5", "locked": "0.000000000000000001"}]}'
    )
    account = codec.account_from_wire(data)
    assert [b.coin for b in account.balances] == ["usdt"]
    assert account.total_asset == Decimal("1.5")


@pytest.mark.parametrize("coin", ["BTC", "\x1b[2Jbtc", "b\u200btc", "", "x" * 17, 7, None])
def test_coin_names_are_short_lower_case_ascii(coin: Any) -> None:
    data = {"coin_list": [{"coin": coin, "normal": "1", "locked": "0"}]}
    assert codec.account_from_wire(data).balances == ()


def test_coin_given_twice_is_kept_once() -> None:
    data = {
        "coin_list": [
            {"coin": "btc", "normal": "1", "locked": "0"},
            {"coin": "btc", "normal": "9", "locked": "0"},
        ]
    }
    assert codec.account_from_wire(data).balance("btc").available == 1


def test_bad_total_asset_reads_as_zero() -> None:
    data = {"total_asset": "1e400", "coin_list": []}
    assert codec.account_from_wire(data).total_asset == 0


def test_account_without_a_coin_list_is_refused() -> None:
    with pytest.raises(codec.CodecError):
        codec.account_from_wire({"coin_list": {"btc": 1}})
    with pytest.raises(codec.CodecError):
        codec.account_from_wire([])


# Symbols --------------------------------------------------------------------------------------

SYMBOL = {
    "symbol": "btcusdt",
    "base_coin": "btc",
    "count_coin": "usdt",
    "price_precision": 2,
    "amount_precision": 6,
    "min_amount": "0.000100",
    "min_value": "5",
}


@pytest.mark.parametrize(
    "bad",
    [
        {"price_precision": 1000000},
        {"price_precision": -1},
        {"amount_precision": 19},
        {"price_precision": "2.0"},
        {"symbol": "BTCUSDT"},
        {"symbol": "btc-usdt"},
        {"base_coin": ""},
        {"min_amount": "-1"},
        {"min_amount": "0.0000001"},  # finer than amount_precision 6
        {"min_value": "NaN"},
    ],
)
def test_one_bad_symbol_costs_that_symbol_not_the_list(bad: dict[str, Any]) -> None:
    other = SYMBOL | {"symbol": "ethusdt", "base_coin": "eth"}
    symbols = codec.symbols_from_wire([SYMBOL | bad, other])
    assert [s.name for s in symbols] == ["ethusdt"]


def test_precisions_18_are_the_most_allowed() -> None:
    symbol = codec.symbol_from_wire(
        SYMBOL | {"price_precision": 18, "amount_precision": 0, "min_amount": "1"}
    )
    assert symbol.tick == Decimal("1e-18")


def test_symbol_list_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(codec.CodecError):
        codec.symbols_from_wire({"btcusdt": SYMBOL})


# Orders ---------------------------------------------------------------------------------------


def test_documented_order_decodes_with_its_symbol() -> None:
    order = codec.order_from_wire(ORDER, symbol=BTCUSDT)
    assert order.remaining == Decimal("0.006000")


def test_deal_volume_above_volume_is_refused() -> None:
    with pytest.raises(codec.CodecError, match="deal_volume"):
        codec.order_from_wire(ORDER | {"deal_volume": "0.020000"})


def test_market_buy_volume_is_quote_so_deal_volume_may_exceed_it() -> None:
    order = codec.order_from_wire(
        ORDER | {"type": 2, "price": "0.00", "volume": "100.00", "deal_volume": "0.003700"},
        symbol=BTCUSDT,
    )
    assert order.type is OrderType.MARKET and order.side is Side.BUY and order.price == 0


def test_limit_order_at_price_zero_is_refused() -> None:
    with pytest.raises(codec.CodecError, match="price"):
        codec.order_from_wire(ORDER | {"price": "0"})


@pytest.mark.parametrize(
    "bad",
    [
        {"fee": "-0.1"},
        {"volume": "0"},
        {"volume": "1e400"},
        {"created_at": 10**20},
        {"status": 9},
        {"status": "PART_FILLED"},
        {"type": True},
        {"id": "12a"},
        {"fee_coin": "BTC"},
        {"avg_price": "-1"},
    ],
)
def test_senseless_order_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(codec.CodecError):
        codec.order_from_wire(ORDER | bad)


def test_order_of_another_symbol_is_refused() -> None:
    with pytest.raises(codec.CodecError, match="btcusdt"):
        codec.order_from_wire(ORDER | {"symbol": "ethusdt"}, symbol=BTCUSDT)


def test_bad_order_in_a_list_is_skipped() -> None:
    orders = codec.decode_each([ORDER | {"volume": "-1"}, ORDER], codec.order_from_wire, "orders")
    assert [o.id for o in orders] == ["1042"]


def test_fill_with_negative_fee_is_refused() -> None:
    fill = {
        "id": "77",
        "symbol": "btcusdt",
        "side": "BUY",
        "price": "27000.00",
        "volume": "0.004000",
        "fee": "0.000004",
        "feeCoin": "btc",
        "ctime": 1700000000200,
        "order_id": "1042",
    }
    assert codec.fill_from_wire(fill, symbol=BTCUSDT).order_id == "1042"
    with pytest.raises(codec.CodecError, match="fee"):
        codec.fill_from_wire(fill | {"fee": "-1"})


# Lists ----------------------------------------------------------------------------------------


def test_decode_each_reads_no_more_than_its_limit() -> None:
    calls: list[int] = []

    def decode(item: int) -> int:
        calls.append(item)
        return item

    assert codec.decode_each(list(range(10_000)), decode, "things", limit=3) == [0, 1, 2]
    assert calls == [0, 1, 2]


def test_decode_each_refuses_what_is_not_a_list() -> None:
    with pytest.raises(codec.CodecError, match="things"):
        codec.decode_each({"a": 1}, lambda item: item, "things")


def test_shown_quotes_hostile_values_briefly_and_printably() -> None:
    assert gate.shown(10**5000) == "an integer of 16610 bits"
    assert gate.shown("\x1b[31m" + "x" * 500).startswith("'\\x1b[31m")
    assert len(gate.shown("x" * 10_000)) < 80
    assert gate.shown([1] * 1000) == "a list of 1000"


# PROTOCOL.md's own examples still pass ----------------------------------------------------------


def test_documented_rest_examples_pass_the_gate_with_their_symbol() -> None:
    depth = envelope.loads_json(
        '{"tick": {"time": 1700000000000, "asks": [["27001.00", "0.250000"]],'
        ' "bids": [["27000.00", "1.000000"]]}}'
    )
    assert codec.depth_from_rest(depth, symbol=BTCUSDT).spread == Decimal("1.00")
    trades = envelope.loads_json(
        '[{"id": "981", "price": "27000.50", "amount": "0.010000", "side": "BUY",'
        ' "ts": 1700000000000}]'
    )
    assert codec.trades_from_rest(trades, symbol=BTCUSDT)[0].price == Decimal("27000.50")
    account = envelope.loads_json(
        '{"total_asset": "1.52340000", "coin_list": [{"coin": "btc", "normal": "0.500000",'
        ' "locked": "0.010000", "btcValuatin": "0.51000000"}]}'
    )
    assert codec.account_from_wire(account).total_asset == Decimal("1.5234")
    symbols = envelope.loads_json(
        '[{"symbol": "btcusdt", "base_coin": "btc", "count_coin": "usdt", "price_precision": 2,'
        ' "amount_precision": 6, "min_amount": "0.000100", "min_value": "5"}]'
    )
    assert codec.symbols_from_wire(symbols) == [BTCUSDT]


def test_documented_push_shapes_pass_the_gate_with_their_symbol() -> None:
    ticker = envelope.loads_json(
        '{"open": "26810.00", "high": "27250.00", "low": "26700.00", "close": "27000.50",'
        ' "vol": "1234.567800", "amount": "33210456.12", "rose": "0.0071"}'
    )
    assert codec.ticker_from_push("btcusdt", T0, ticker, symbol=BTCUSDT).last == Decimal("27000.50")
    trades = envelope.loads_json(
        '{"data": [{"id": "981", "side": "BUY", "price": "27000.50", "vol": "0.010000",'
        ' "amount": "270.005", "ts": 1700000000000}]}'
    )
    assert codec.trades_from_push(trades, symbol=BTCUSDT)[0].amount == Decimal("0.010000")
    kline = envelope.loads_json(
        '{"id": 1700000000, "open": "27000.00", "high": "27010.00", "low": "26990.00",'
        ' "close": "27005.00", "vol": "1.500000", "amount": "40507.50"}'
    )
    assert codec.kline_from_push(kline, symbol=BTCUSDT).open_time == 1700000000


def test_what_the_server_writes_the_client_reads_back_unchanged() -> None:
    book_push = {"asks": [["27001.00", "0.250000"]], "buys": [["27000.00", "1.000000"]]}
    book = codec.depth_from_push(T0, book_push, symbol=BTCUSDT)
    assert codec.depth_to_push_tick(book, BTCUSDT, 0) == book_push
    order = codec.order_from_wire(ORDER, symbol=BTCUSDT)
    assert codec.order_from_wire(codec.order_to_wire(order, BTCUSDT), symbol=BTCUSDT) == order


def test_an_account_counts_the_entries_it_could_not_read() -> None:
    from cdx.protocol.codec import account_from_wire

    account = account_from_wire(
        {
            "total_asset": "1.5",
            "coin_list": [
                {"coin": "btc", "normal": "1e400", "locked": "0", "btcValuatin": "0"},
                {"coin": "usdt", "normal": "10.5", "locked": "0", "btcValuatin": "0"},
            ],
        }
    )
    assert [b.coin for b in account.balances] == ["usdt"]
    assert account.unreadable == 1
    assert not account.knows("btc") and account.knows("usdt")
