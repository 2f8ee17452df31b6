"""The order preview's figures against a known book, to the last digit.

The book: asks 100.00 x 1, 101.00 x 2, 103.00 x 1; bids 99.00 x 1, 98.00 x 2, 95.00 x 3; mid
99.50; the lot 0.001. Each expectation is worked out by hand in its comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdx.model.book import Book
from cdx.model.order import OrderType, Side
from cdx.model.preview import crosses, estimate

D = Decimal
BOOK = Book(
    asks=((D("100.00"), D("1")), (D("101.00"), D("2")), (D("103.00"), D("1"))),
    bids=((D("99.00"), D("1")), (D("98.00"), D("2")), (D("95.00"), D("3"))),
)
LOT = D("0.001")


def test_market_buy_spends_quote_through_two_levels_in_whole_lots() -> None:
    # 250 USDT: all of 100.00 x 1 (100), then floor(150 / 101, lot) = 1.485 at 101.00
    # (149.985); 0.015 left cannot pay for a lot, so it is change, not unfilled depth.
    p = estimate(BOOK, Side.BUY, OrderType.MARKET, D("250"), lot=LOT)
    assert (p.base, p.quote) == (D("2.485"), D("249.985"))
    assert p.average == D("249.985") / D("2.485")
    assert p.worst == D("101.00")
    assert p.levels == 2
    assert p.mid == D("99.50")
    assert p.slippage == D("249.985") / D("2.485") - D("99.50")
    assert p.unfilled == D("0.015")
    assert not p.beyond_depth
    # The fee is 0.1 % of what the buy receives, in base.
    assert p.fee == D("0.002485")
    assert p.net_received == D("2.482515")
    assert (p.received, p.spent) == (p.base, p.quote)


def test_market_sell_takes_bids_best_first() -> None:
    # 2.5 BTC: 1 at 99.00 (99) and 1.5 at 98.00 (147): 246 USDT, average 98.40, worst 98.00;
    # 1.10 below the mid, which is 1.10 / 99.50 = 1.105...% of it.
    p = estimate(BOOK, Side.SELL, OrderType.MARKET, D("2.5"), lot=LOT)
    assert (p.base, p.quote) == (D("2.5"), D("246"))
    assert p.average == D("98.4")
    assert p.worst == D("98.00")
    assert p.slippage == D("1.10")
    assert p.slippage_pct == D("1.10") / D("99.50") * 100
    assert p.fee == D("0.246")
    assert p.net_received == D("245.754")
    assert (p.received, p.spent) == (D("246"), D("2.5"))
    assert p.unfilled == 0 and not p.beyond_depth


def test_market_sell_larger_than_the_book_says_how_much_is_left() -> None:
    p = estimate(BOOK, Side.SELL, OrderType.MARKET, D("10"), lot=LOT)
    # Bids hold 6 BTC: 99 + 196 + 285 = 580 USDT; 4 BTC would expire.
    assert (p.base, p.quote, p.worst, p.levels) == (D("6"), D("580"), D("95.00"), 3)
    assert p.unfilled == D("4")
    assert p.beyond_depth


def test_market_buy_larger_than_the_book() -> None:
    # Asks cost 100 + 202 + 103 = 405 for 4 BTC; 595 of 1000 USDT is left with no ask.
    p = estimate(BOOK, Side.BUY, OrderType.MARKET, D("1000"), lot=LOT)
    assert (p.base, p.quote, p.worst) == (D("4"), D("405"), D("103.00"))
    assert p.average == D("101.25")
    assert p.unfilled == D("595")
    assert p.beyond_depth


def test_market_buy_that_empties_the_book_but_keeps_only_change_is_not_beyond_it() -> None:
    # 0.05 left, less than a lot at the 101.25 average (0.10125): the exchange calls it FILLED.
    p = estimate(BOOK, Side.BUY, OrderType.MARKET, D("405.05"), lot=LOT)
    assert p.base == D("4") and p.unfilled == D("0.05")
    assert not p.beyond_depth


def test_limit_buy_through_the_spread_fills_now_up_to_its_price_and_rests_the_rest() -> None:
    # At 101.00 it reaches 100.00 x 1 and 101.00 x 2, not 103.00: 3 BTC now for 302, 2 rest.
    p = estimate(BOOK, Side.BUY, OrderType.LIMIT, D("5"), D("101.00"), lot=LOT)
    assert p.crosses
    assert (p.base, p.quote, p.worst, p.levels) == (D("3"), D("302"), D("101.00"), 2)
    assert p.average == D("302") / D("3")
    assert p.unfilled == D("2")
    assert not p.beyond_depth
    assert p.fee == D("0.003")


def test_limit_buy_partly_through_a_level() -> None:
    p = estimate(BOOK, Side.BUY, OrderType.LIMIT, D("2.5"), D("101.00"), lot=LOT)
    assert (p.base, p.quote, p.unfilled) == (D("2.5"), D("251.5"), D("0"))


def test_limit_buy_priced_past_every_visible_ask_is_beyond_the_book() -> None:
    p = estimate(BOOK, Side.BUY, OrderType.LIMIT, D("10"), D("110.00"), lot=LOT)
    assert (p.base, p.unfilled) == (D("4"), D("6"))
    assert p.beyond_depth


def test_limit_sell_through_the_spread() -> None:
    # At 98.00: 1 at 99.00 and 1 at 98.00 = 197 USDT; the fee is 0.1 % of that.
    p = estimate(BOOK, Side.SELL, OrderType.LIMIT, D("2"), D("98.00"), lot=LOT)
    assert (p.base, p.quote, p.worst) == (D("2"), D("197"), D("98.00"))
    assert p.fee == D("0.197")


def test_limit_short_of_the_spread_takes_nothing() -> None:
    p = estimate(BOOK, Side.BUY, OrderType.LIMIT, D("1"), D("99.50"), lot=LOT)
    assert not p.crosses
    assert (p.base, p.average, p.worst, p.unfilled) == (D("0"), None, None, D("1"))


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (Side.BUY, "100.00", True),
        (Side.BUY, "99.99", False),
        (Side.SELL, "99.00", True),
        (Side.SELL, "99.01", False),
    ],
)
def test_crosses_at_the_best_opposite_price(side: Side, price: str, expected: bool) -> None:
    assert crosses(BOOK, side, D(price)) is expected


def test_market_buy_with_no_asks_fills_nothing_and_says_so() -> None:
    empty = Book(asks=(), bids=BOOK.bids)
    p = estimate(empty, Side.BUY, OrderType.MARKET, D("100"), lot=LOT)
    assert p.base == 0 and p.average is None and p.mid is None
    assert p.beyond_depth
    assert p.slippage is None and p.slippage_pct is None


def test_the_step_the_book_was_aggregated_at_is_kept() -> None:
    assert estimate(BOOK, Side.SELL, OrderType.MARKET, D("1"), lot=LOT, step=2).step == 2


prices = st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)
amounts = st.decimals(min_value=D("0.001"), max_value=D("1e6"), places=3)


@given(
    st.lists(st.tuples(prices, amounts), max_size=20, unique_by=lambda level: level[0]),
    st.sampled_from(Side),
    st.sampled_from(OrderType),
    amounts,
    prices,
)
def test_a_walk_never_takes_more_than_the_book_or_the_order(
    levels: list[tuple[Decimal, Decimal]],
    side: Side,
    order_type: OrderType,
    volume: Decimal,
    price: Decimal,
) -> None:
    ordered = tuple(sorted(levels, reverse=side is Side.SELL))
    book = Book(asks=ordered, bids=()) if side is Side.BUY else Book(asks=(), bids=ordered)
    p = estimate(book, side, order_type, volume, price, lot=LOT)
    assert p.base <= sum((amount for _, amount in ordered), D(0))
    if order_type is OrderType.MARKET and side is Side.BUY:
        assert p.quote <= volume and p.quote + p.unfilled == volume
    else:
        assert p.base <= volume and p.base + p.unfilled == volume
    if p.base:
        assert p.worst is not None and p.average is not None
        best = ordered[0][0]
        low, high = sorted((best, p.worst))
        assert low <= p.average <= high
