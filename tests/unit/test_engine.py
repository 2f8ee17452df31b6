"""The embedded exchange's matching engine, one promise of PROTOCOL.md section 5 per test."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cdx.model.order import OrderStatus, OrderType, Side
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.sim.engine import Engine
from cdx.sim.symbols import DEFAULT_SYMBOLS

BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET
T0 = 1_700_000_000_000


@pytest.fixture
def engine() -> Engine:
    engine = Engine(DEFAULT_SYMBOLS)
    for key in ("alice", "bob"):
        engine.open_account(key, {"btc": D("2"), "eth": D("20"), "usdt": D("100000")})
    return engine


def available(engine: Engine, key: str, coin: str) -> D:
    return engine.account(key).balance(coin).available


def locked(engine: Engine, key: str, coin: str) -> D:
    return engine.account(key).balance(coin).locked


def limit(engine: Engine, key: str, side: Side, volume: str, price: str, now: int = T0):
    return engine.place_order(key, "btcusdt", side, LIMIT, volume, price, now)


def market(engine: Engine, key: str, side: Side, volume: str, now: int = T0):
    return engine.place_order(key, "btcusdt", side, MARKET, volume, None, now)


def refused(code: ErrorCode, call, *args) -> Refusal:
    with pytest.raises(Refusal) as info:
        call(*args)
    assert info.value.code is code
    return info.value


# Resting, crossing and priority ----------------------------------------------------------------


def test_limit_buy_rests_and_locks_price_times_volume(engine: Engine) -> None:
    order = limit(engine, "alice", BUY, "0.5", "27000.00")
    assert order.status is OrderStatus.NEW
    assert locked(engine, "alice", "usdt") == D("13500")
    assert available(engine, "alice", "usdt") == D("86500")
    assert engine.raw_levels("btcusdt") == ([], [(D("27000.00"), D("0.5"))])


def test_limit_sell_locks_base(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.75", "28000.00")
    assert locked(engine, "alice", "btc") == D("0.75")
    assert available(engine, "alice", "btc") == D("1.25")


def test_crossing_limit_trades_at_resting_price_then_rests(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.4", "27000.00")
    order = limit(engine, "bob", BUY, "1", "27100.00")
    assert order.status is OrderStatus.PART_FILLED
    assert order.deal_volume == D("0.4")
    assert order.avg_price == D("27000.00")
    assert engine.trades("btcusdt")[0].price == D("27000.00")
    assert engine.raw_levels("btcusdt") == ([], [(D("27100.00"), D("0.6"))])


def test_limit_buy_filled_below_its_price_releases_the_surplus(engine: Engine) -> None:
    limit(engine, "alice", SELL, "1", "27000.00")
    order = limit(engine, "bob", BUY, "1", "27100.00")
    assert order.status is OrderStatus.FILLED
    assert locked(engine, "bob", "usdt") == 0
    assert available(engine, "bob", "usdt") == D("100000") - D("27000")


def test_better_price_fills_first_then_earlier_order(engine: Engine) -> None:
    first = limit(engine, "alice", SELL, "0.1", "27001.00")
    second = limit(engine, "bob", SELL, "0.1", "27001.00")
    best = limit(engine, "bob", SELL, "0.1", "27000.50")
    limit(engine, "alice", BUY, "0.15", "27001.00")
    assert engine.get_order("bob", "btcusdt", best.id).status is OrderStatus.FILLED
    assert engine.get_order("alice", "btcusdt", first.id).deal_volume == D("0.05")
    assert engine.get_order("bob", "btcusdt", second.id).deal_volume == 0


def test_partial_fill_of_a_resting_order_keeps_the_rest_locked(engine: Engine) -> None:
    resting = limit(engine, "alice", SELL, "1", "27000.00")
    limit(engine, "bob", BUY, "0.3", "27000.00")
    order = engine.get_order("alice", "btcusdt", resting.id)
    assert order.status is OrderStatus.PART_FILLED
    assert order.deal_volume == D("0.3")
    assert locked(engine, "alice", "btc") == D("0.7")


def test_book_is_never_crossed_after_matching(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.2", "27000.00")
    limit(engine, "alice", SELL, "0.2", "27005.00")
    limit(engine, "bob", BUY, "0.5", "27010.00")
    book = engine.book("btcusdt", 0, T0)
    assert not book.crossed
    assert book.best_bid == D("27010.00") and book.best_ask is None


def test_self_trade_simply_matches(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "27000.00")
    order = limit(engine, "alice", BUY, "0.1", "27000.00")
    assert order.status is OrderStatus.FILLED
    assert available(engine, "alice", "btc") == D("2") - D("0.0001")  # only the fee is gone
    assert available(engine, "alice", "usdt") == D("100000") - D("2.7")


# Market orders ---------------------------------------------------------------------------------


def test_market_buy_spends_quote_amount(engine: Engine) -> None:
    limit(engine, "alice", SELL, "1", "20000.00")
    order = market(engine, "bob", BUY, "1000.00")
    assert order.status is OrderStatus.FILLED
    assert order.deal_volume == D("0.05")
    assert order.deal_money == D("1000")
    assert available(engine, "bob", "usdt") == D("99000")
    assert available(engine, "bob", "btc") == D("2") + D("0.05") * D("0.999")


def test_market_buy_buys_whole_lots_and_keeps_the_change(engine: Engine) -> None:
    limit(engine, "alice", SELL, "1", "30000.00")
    order = market(engine, "bob", BUY, "100.00")
    assert order.deal_volume == D("0.003333")
    assert order.status is OrderStatus.FILLED
    assert available(engine, "bob", "usdt") == D("100000") - D("99.99")
    assert locked(engine, "bob", "usdt") == 0


def test_market_buy_walks_the_asks(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.01", "27000.00")
    limit(engine, "alice", SELL, "1", "28000.00")
    order = market(engine, "bob", BUY, "550.00")
    assert order.deal_volume == D("0.02")
    assert order.deal_money == D("550")
    assert order.avg_price == D("27500.00")


def test_market_buy_rest_expires_when_the_book_runs_out(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.01", "27000.00")
    order = market(engine, "bob", BUY, "1000.00")
    assert order.status is OrderStatus.EXPIRED
    assert order.deal_money == D("270")
    assert available(engine, "bob", "usdt") == D("100000") - D("270")
    assert locked(engine, "bob", "usdt") == 0


def test_market_sell_rest_expires_and_stays_available(engine: Engine) -> None:
    limit(engine, "alice", BUY, "0.25", "27000.00")
    order = market(engine, "bob", SELL, "1.000000")
    assert order.status is OrderStatus.EXPIRED
    assert order.deal_volume == D("0.25")
    assert available(engine, "bob", "btc") == D("1.75")
    assert locked(engine, "bob", "btc") == 0


def test_market_order_on_an_empty_book_expires_unfilled(engine: Engine) -> None:
    order = market(engine, "bob", SELL, "0.5")
    assert order.status is OrderStatus.EXPIRED
    assert order.deal_volume == 0
    assert available(engine, "bob", "btc") == D("2")


def test_market_order_shows_price_zero_and_never_rests(engine: Engine) -> None:
    limit(engine, "alice", BUY, "1", "27000.00")
    order = market(engine, "bob", SELL, "0.5")
    assert order.price == 0 and str(order.price) == "0.00"
    assert order.status is OrderStatus.FILLED
    assert engine.open_orders("bob", "btcusdt") == []


def test_market_buy_whose_change_cannot_buy_a_lot_at_the_next_ask_ends_filled(
    engine: Engine,
) -> None:
    """PROTOCOL.md 9.8: 0.02 usdt left cannot buy 0.000001 btc at 28000 (0.028): FILLED."""
    limit(engine, "alice", SELL, "0.01", "27000.00")
    limit(engine, "alice", SELL, "1", "28000.00")
    order = market(engine, "bob", BUY, "270.02")
    assert order.status is OrderStatus.FILLED
    assert order.deal_money == D("270")
    assert available(engine, "bob", "usdt") == D("100000") - D("270")


def test_market_buy_that_cannot_pay_one_lot_at_the_first_ask_ends_filled(engine: Engine) -> None:
    """PROTOCOL.md 9.8: asks are left, the quote cannot buy a lot of them: FILLED, not EXPIRED."""
    limit(engine, "alice", SELL, "0.001", "9000000.00")  # a lot costs 9 usdt
    order = market(engine, "bob", BUY, "5.00")
    assert order.status is OrderStatus.FILLED
    assert order.deal_volume == 0
    assert available(engine, "bob", "usdt") == D("100000")


def test_market_buy_that_empties_the_book_with_only_change_left_ends_filled(
    engine: Engine,
) -> None:
    """PROTOCOL.md 9.8: the book ran out, but what is left could not buy a lot anyway."""
    limit(engine, "alice", SELL, "0.01", "27000.00")
    order = market(engine, "bob", BUY, "270.02")
    assert engine.raw_levels("btcusdt")[0] == []
    assert order.status is OrderStatus.FILLED


# Fees ------------------------------------------------------------------------------------------


def test_fee_is_taken_from_what_each_side_receives_and_collected(engine: Engine) -> None:
    maker = limit(engine, "alice", SELL, "0.1", "27000.00")
    taker = limit(engine, "bob", BUY, "0.1", "27000.00")
    assert taker.fee == D("0.0001") and taker.fee_coin == "btc"
    alice = engine.get_order("alice", "btcusdt", maker.id)
    assert alice.fee == D("2.7") and alice.fee_coin == "usdt"
    assert available(engine, "alice", "usdt") == D("100000") + D("2700") - D("2.7")
    assert engine.fee_balances() == {"btc": D("0.0001"), "usdt": D("2.7")}


# Refusals in PROTOCOL.md order -----------------------------------------------------------------


def test_unknown_symbol_is_110002_before_anything_else(engine: Engine) -> None:
    error = refused(
        ErrorCode.UNKNOWN_SYMBOL,
        engine.place_order,
        "alice",
        "dogeusdt",
        BUY,
        LIMIT,
        "junk",
        "1",
        T0,
    )
    assert "symbol" in error.msg


@pytest.mark.parametrize(
    ("volume", "price", "name"),
    [
        ("abc", "27000.00", "volume"),
        ("0", "27000.00", "volume"),
        ("-1", "27000.00", "volume"),
        ("1e3", "27000.00", "volume"),
        ("0.1234567", "27000.00", "volume"),
        ("0.1", "27000.001", "price"),
        ("0.1", "0.00", "price"),
        ("0.1", " 27000", "price"),
    ],
)
def test_bad_volume_or_price_is_110003_naming_it(
    engine: Engine, volume: str, price: str, name: str
) -> None:
    error = refused(ErrorCode.BAD_PRECISION, limit, engine, "alice", BUY, volume, price)
    assert error.msg.startswith(name)


def test_market_buy_quote_amount_uses_price_precision(engine: Engine) -> None:
    refused(ErrorCode.BAD_PRECISION, market, engine, "bob", BUY, "10.001")
    assert market(engine, "bob", BUY, "10.01").status is OrderStatus.EXPIRED


def test_market_sell_amount_uses_amount_precision(engine: Engine) -> None:
    refused(ErrorCode.BAD_PRECISION, market, engine, "bob", SELL, "0.1000001")


def test_precision_is_checked_before_size(engine: Engine) -> None:
    refused(ErrorCode.BAD_PRECISION, limit, engine, "alice", BUY, "0.0000001", "1.00")


@pytest.mark.parametrize(
    ("side", "type", "volume", "price"),
    [
        (BUY, LIMIT, "0.00009", "27000.00"),  # below min_amount 0.0001
        (BUY, LIMIT, "0.0001", "27000.00"),  # 2.70 usdt < min_value 5
        (BUY, MARKET, "4.99", None),  # market buy quote below min_value
        (SELL, MARKET, "0.00009", None),  # market sell below min_amount
    ],
)
def test_below_minimums_is_110004(
    engine: Engine, side: Side, type: OrderType, volume: str, price: str | None
) -> None:
    refused(
        ErrorCode.TOO_SMALL, engine.place_order, "alice", "btcusdt", side, type, volume, price, T0
    )


def test_size_is_checked_before_balance(engine: Engine) -> None:
    refused(ErrorCode.TOO_SMALL, limit, engine, "alice", BUY, "0.00001", "99999999.00")


@pytest.mark.parametrize(
    ("side", "type", "volume", "price"),
    [
        (BUY, LIMIT, "4", "27000.00"),  # 108000 usdt > 100000
        (SELL, LIMIT, "2.000001", "27000.00"),
        (BUY, MARKET, "100000.01", None),
        (SELL, MARKET, "2.5", None),
    ],
)
def test_not_enough_available_is_110005(
    engine: Engine, side: Side, type: OrderType, volume: str, price: str | None
) -> None:
    error = refused(
        ErrorCode.INSUFFICIENT_BALANCE,
        engine.place_order,
        "alice",
        "btcusdt",
        side,
        type,
        volume,
        price,
        T0,
    )
    assert "available" in error.msg


def test_locked_funds_are_not_available_for_another_order(engine: Engine) -> None:
    limit(engine, "alice", SELL, "1.5", "30000.00")
    refused(ErrorCode.INSUFFICIENT_BALANCE, limit, engine, "alice", SELL, "0.6", "30000.00")


def test_a_refused_order_changes_nothing(engine: Engine) -> None:
    limit(engine, "alice", SELL, "1", "27000.00")
    before = (engine.account("bob"), engine.raw_levels("btcusdt"), engine.version("btcusdt"))
    refused(ErrorCode.INSUFFICIENT_BALANCE, limit, engine, "bob", BUY, "5", "27000.00")
    after = (engine.account("bob"), engine.raw_levels("btcusdt"), engine.version("btcusdt"))
    assert before == after
    assert engine.all_orders("bob", "btcusdt", None, None) == []


@pytest.mark.parametrize("price", ["27000.00", "30000.00", "junk"])
def test_price_on_a_market_order_is_ignored(engine: Engine, price: str) -> None:
    """rev 2: a legacy client's price on a market order neither limits nor refuses it."""
    limit(engine, "alice", BUY, "1", "26000.00")
    order = engine.place_order("bob", "btcusdt", SELL, MARKET, "0.1", price, T0)
    assert order.status is OrderStatus.FILLED
    assert order.avg_price == D("26000.00")
    assert str(order.price) == "0.00"


# Cancelling ------------------------------------------------------------------------------------


def test_cancel_unlocks_what_the_order_held(engine: Engine) -> None:
    order = limit(engine, "alice", BUY, "1", "27000.00")
    cancelled = engine.cancel_order("alice", "btcusdt", order.id, T0 + 1)
    assert cancelled.status is OrderStatus.CANCELED
    assert locked(engine, "alice", "usdt") == 0
    assert available(engine, "alice", "usdt") == D("100000")
    assert engine.raw_levels("btcusdt") == ([], [])


def test_cancel_of_a_partly_filled_order_unlocks_only_the_rest(engine: Engine) -> None:
    order = limit(engine, "alice", SELL, "1", "27000.00")
    limit(engine, "bob", BUY, "0.25", "27000.00")
    cancelled = engine.cancel_order("alice", "btcusdt", order.id, T0 + 1)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.deal_volume == D("0.25")
    assert locked(engine, "alice", "btc") == 0
    assert available(engine, "alice", "btc") == D("1.75")


def test_cancel_of_an_unknown_or_foreign_order_is_110006(engine: Engine) -> None:
    order = limit(engine, "alice", SELL, "1", "27000.00")
    refused(ErrorCode.ORDER_NOT_FOUND, engine.cancel_order, "alice", "btcusdt", "999999", T0)
    refused(ErrorCode.ORDER_NOT_FOUND, engine.cancel_order, "bob", "btcusdt", order.id, T0)
    refused(ErrorCode.ORDER_NOT_FOUND, engine.cancel_order, "alice", "ethusdt", order.id, T0)
    refused(ErrorCode.ORDER_NOT_FOUND, engine.get_order, "bob", "btcusdt", order.id)
    assert engine.get_order("alice", "btcusdt", order.id).is_open


def test_cancel_of_a_final_order_is_110007(engine: Engine) -> None:
    order = limit(engine, "alice", SELL, "1", "27000.00")
    engine.cancel_order("alice", "btcusdt", order.id, T0)
    refused(ErrorCode.ORDER_FINAL, engine.cancel_order, "alice", "btcusdt", order.id, T0)
    filled = market(engine, "bob", SELL, "0.1")
    refused(ErrorCode.ORDER_FINAL, engine.cancel_order, "bob", "btcusdt", filled.id, T0)


def test_cancel_all_cancels_only_that_symbol(engine: Engine) -> None:
    limit(engine, "alice", BUY, "0.1", "27000.00")
    limit(engine, "alice", SELL, "0.1", "28000.00")
    engine.place_order("alice", "ethusdt", BUY, LIMIT, "1", "1800.00", T0)
    cancelled = engine.cancel_all("alice", "btcusdt", T0)
    assert len(cancelled) == 2
    assert all(order.status is OrderStatus.CANCELED for order in cancelled)
    assert engine.open_orders("alice", "btcusdt") == []
    assert len(engine.open_orders("alice", "ethusdt")) == 1
    assert locked(engine, "alice", "btc") == 0
    assert locked(engine, "alice", "usdt") == D("1800")


# Queries ---------------------------------------------------------------------------------------


def test_open_orders_are_newest_first(engine: Engine) -> None:
    ids = [limit(engine, "alice", BUY, "0.1", f"2700{n}.00", T0 + n).id for n in range(3)]
    assert [o.id for o in engine.open_orders("alice", "btcusdt")] == ids[::-1]


def test_all_orders_includes_final_ones_within_the_time_range(engine: Engine) -> None:
    first = limit(engine, "alice", BUY, "0.1", "27000.00", T0)
    engine.cancel_order("alice", "btcusdt", first.id, T0 + 5)
    second = limit(engine, "alice", BUY, "0.1", "27000.00", T0 + 10)
    third = limit(engine, "alice", BUY, "0.1", "27000.00", T0 + 20)
    listed = engine.all_orders("alice", "btcusdt", None, None)
    assert [o.id for o in listed] == [third.id, second.id, first.id]
    assert listed[-1].status is OrderStatus.CANCELED
    window = engine.all_orders("alice", "btcusdt", T0 + 10, T0 + 19)
    assert [o.id for o in window] == [second.id]


def test_order_and_trade_ids_are_increasing_digit_strings(engine: Engine) -> None:
    a = limit(engine, "alice", SELL, "0.1", "27000.00")
    b = limit(engine, "bob", BUY, "0.2", "27000.00")
    c = limit(engine, "bob", BUY, "0.2", "26000.00")
    assert all(o.id.isdigit() for o in (a, b, c))
    assert int(a.id) < int(b.id) < int(c.id)
    limit(engine, "alice", SELL, "0.3", "26000.00")
    trade_ids = [int(t.id) for t in engine.trades("btcusdt")]
    assert trade_ids == sorted(trade_ids, reverse=True) and len(trade_ids) == 3


def test_fills_show_both_sides_of_a_trade_newest_first(engine: Engine) -> None:
    maker = limit(engine, "alice", SELL, "0.3", "27000.00", T0)
    taker = limit(engine, "bob", BUY, "0.1", "27000.00", T0 + 1)
    limit(engine, "bob", BUY, "0.2", "27000.00", T0 + 2)
    bob = engine.fills("bob", "btcusdt")
    alice = engine.fills("alice", "btcusdt")
    assert [f.ctime for f in bob] == [T0 + 2, T0 + 1]
    assert bob[-1].order_id == taker.id and bob[-1].side is BUY and bob[-1].fee_coin == "btc"
    assert {f.order_id for f in alice} == {maker.id}
    assert alice[-1].id == bob[-1].id and alice[-1].side is SELL


def test_account_lists_every_coin_valued_in_btc(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "25000.00")
    limit(engine, "bob", BUY, "0.1", "25000.00")
    account = engine.account("alice")
    assert [b.coin for b in account.balances] == ["btc", "usdt", "eth", "sol"]
    assert account.balance("sol").available == 0
    usdt = account.balance("usdt")
    assert usdt.btc_value == ((usdt.available + usdt.locked) / D("25000")).quantize(D("1E-8"))
    assert account.total_asset == sum(b.btc_value for b in account.balances)


def test_unknown_api_key_is_refused(engine: Engine) -> None:
    refused(ErrorCode.UNKNOWN_API_KEY, engine.account, "mallory")
    assert not engine.has_account("mallory") and engine.has_account("alice")


# Market data -----------------------------------------------------------------------------------


def test_raw_levels_sum_per_price_and_book_aggregates(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "27000.13")
    limit(engine, "bob", SELL, "0.2", "27000.13")
    limit(engine, "bob", SELL, "0.4", "27000.19")
    limit(engine, "alice", BUY, "0.5", "26999.99")
    asks, bids = engine.raw_levels("btcusdt")
    assert asks == [(D("27000.13"), D("0.3")), (D("27000.19"), D("0.4"))]
    assert bids == [(D("26999.99"), D("0.5"))]
    book = engine.book("btcusdt", 1, T0)
    assert book.asks == ((D("27000.2"), D("0.7")),)
    assert book.bids == ((D("26999.9"), D("0.5")),)
    assert book.time == T0


def test_ticker_before_any_trade_shows_the_mid(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "27002.00")
    limit(engine, "alice", BUY, "0.1", "26998.00")
    ticker = engine.ticker("btcusdt", T0)
    assert ticker.last == ticker.open == D("27000.00")
    assert ticker.vol == 0 and ticker.rose == 0
    assert (ticker.buy, ticker.sell) == (D("26998.00"), D("27002.00"))
    empty = engine.ticker("ethusdt", T0)
    assert empty.last == 0 and empty.buy is None and empty.sell is None


def test_ticker_is_24h_rolling(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "20000.00", T0)
    market(engine, "bob", BUY, "2000.00", T0)
    limit(engine, "alice", SELL, "0.1", "25000.00", T0 + 3_600_000)
    market(engine, "bob", BUY, "2500.00", T0 + 3_600_000)
    ticker = engine.ticker("btcusdt", T0 + 3_600_000)
    assert (ticker.open, ticker.high, ticker.low, ticker.last) == (
        D("20000.00"),
        D("25000.00"),
        D("20000.00"),
        D("25000.00"),
    )
    assert ticker.vol == D("0.2") and ticker.amount == D("4500")
    assert ticker.rose == D("0.25")
    later = engine.ticker("btcusdt", T0 + 86_400_000 + 120_000)
    assert later.open == D("25000.00") and later.vol == D("0.1")


def test_trades_are_newest_first_and_trades_after_only_new_ones(engine: Engine) -> None:
    start = engine.trade_seq("btcusdt")
    limit(engine, "alice", SELL, "1", "27000.00")
    market(engine, "bob", BUY, "270.00", T0)
    market(engine, "bob", SELL, "0.01", T0 + 1)  # empty bids: no trade
    market(engine, "bob", BUY, "540.00", T0 + 2)
    seq, new = engine.trades_after("btcusdt", start)
    assert [t.amount for t in new] == [D("0.01"), D("0.02")]
    assert engine.trades("btcusdt")[0].amount == D("0.02")
    assert engine.trades("btcusdt")[0].side is BUY
    assert engine.trades_after("btcusdt", seq) == (seq, [])


def test_klines_include_the_current_bar_and_fill_gaps(engine: Engine) -> None:
    minute0 = T0 - T0 % 300_000
    limit(engine, "alice", SELL, "1", "27000.00")
    market(engine, "bob", BUY, "270.00", minute0 + 1_000)
    limit(engine, "alice", SELL, "1", "26000.00")
    market(engine, "bob", BUY, "260.00", minute0 + 180_000)
    bars = engine.klines("btcusdt", 1, minute0 + 185_000)
    assert [b.open_time for b in bars] == [minute0 // 1000 + 60 * n for n in range(4)]
    assert [b.close for b in bars] == [D("27000.00")] * 3 + [D("26000.00")]
    assert bars[1].vol == 0
    [five] = engine.klines("btcusdt", 5, minute0 + 185_000)
    assert (five.open, five.low, five.close, five.vol) == (
        D("27000.00"),
        D("26000.00"),
        D("26000.00"),
        D("0.02"),
    )
    refused(ErrorCode.BAD_PARAMETER, engine.klines, "btcusdt", 7, T0)


@pytest.mark.parametrize("period", [10080, 43200])
def test_week_and_month_bars_open_at_multiples_of_their_width(engine: Engine, period: int) -> None:
    """rev 2: a week (10080 min) and a month of 30 days (43200 min), like every other period."""
    width_ms = period * 60_000
    first = T0 - T0 % width_ms
    engine.record_history_trade("btcusdt", D("26000.00"), D("1"), SELL, first + 5)
    engine.record_history_trade("btcusdt", D("27000.00"), D("2"), BUY, first + width_ms + 5)
    engine.record_history_trade("btcusdt", D("26500.00"), D("1"), BUY, first + width_ms + 9)
    bars = engine.klines("btcusdt", period, first + width_ms + 10)
    assert [bar.open_time for bar in bars] == [first // 1000, (first + width_ms) // 1000]
    assert (bars[1].open, bars[1].high, bars[1].low, bars[1].close) == (
        D("27000.00"),
        D("27000.00"),
        D("26500.00"),
        D("26500.00"),
    )
    assert bars[1].vol == D("3")


def test_fills_within_a_time_range(engine: Engine) -> None:
    limit(engine, "alice", SELL, "0.1", "27000.00", T0)
    limit(engine, "bob", BUY, "0.1", "27000.00", T0 + 10)
    limit(engine, "alice", SELL, "0.1", "27000.00", T0 + 20)
    limit(engine, "bob", BUY, "0.1", "27000.00", T0 + 30)
    assert [f.ctime for f in engine.fills("bob", "btcusdt")] == [T0 + 30, T0 + 10]
    assert [f.ctime for f in engine.fills("bob", "btcusdt", T0 + 11, None)] == [T0 + 30]
    assert [f.ctime for f in engine.fills("bob", "btcusdt", None, T0 + 10)] == [T0 + 10]
    assert engine.fills("bob", "btcusdt", T0 + 11, T0 + 29) == []


def test_version_changes_with_the_book_and_trades(engine: Engine) -> None:
    v0 = engine.version("btcusdt")
    order = limit(engine, "alice", SELL, "1", "27000.00")
    v1 = engine.version("btcusdt")
    market(engine, "bob", BUY, "270.00")
    v2 = engine.version("btcusdt")
    engine.cancel_order("alice", "btcusdt", order.id, T0)
    v3 = engine.version("btcusdt")
    assert v0 < v1 < v2 < v3
    assert engine.version("ethusdt") == 0


def test_a_coin_without_a_btc_pair_is_valued_through_its_quote_coin() -> None:
    engine = Engine(DEFAULT_SYMBOLS)
    engine.open_account("alice", {"sol": D("100"), "usdt": D("10000"), "btc": D("1")})
    engine.open_account("bob", {"sol": D("100"), "usdt": D("10000"), "btc": D("1")})
    for symbol, volume, price in (("btcusdt", "0.1", "20000.00"), ("solusdt", "10", "20.000")):
        engine.place_order("alice", symbol, SELL, LIMIT, volume, price, T0)
        engine.place_order("bob", symbol, BUY, LIMIT, volume, price, T0)
    sol = engine.account("alice").balance("sol")
    assert sol.btc_value == (sol.available * D("20") / D("20000")).quantize(D("1E-8"))
    assert engine.account("alice").balance("eth").btc_value == 0  # no price yet


def test_opening_an_account_twice_is_a_wiring_mistake(engine: Engine) -> None:
    with pytest.raises(ValueError):
        engine.open_account("alice", {"btc": D("1")})
