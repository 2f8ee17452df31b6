"""Step aggregation exactly as PROTOCOL.md section 5 decides."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from cdx.model.book import aggregate
from cdx.model.symbol import Symbol
from cdx.protocol import codec


def test_step0_is_the_raw_book() -> None:
    book = aggregate([(D("27001.13"), D("1"))], [(D("27000.99"), D("2"))], 0, 2)
    assert book.asks == ((D("27001.13"), D("1")),)
    assert book.bids == ((D("27000.99"), D("2")),)


def test_asks_round_up_and_bids_round_down() -> None:
    asks = [(D("27001.13"), D("1")), (D("27001.20"), D("2")), (D("27001.21"), D("4"))]
    bids = [(D("27000.99"), D("1")), (D("27000.90"), D("2")), (D("26999.01"), D("3"))]
    book = aggregate(asks, bids, 1, 2)
    assert book.asks == ((D("27001.2"), D("3")), (D("27001.3"), D("4")))
    assert book.bids == ((D("27000.9"), D("3")), (D("26999.0"), D("3")))


def test_aggregated_level_never_better_than_the_book() -> None:
    asks = [(D("0.066713"), D("1"))]
    bids = [(D("0.066719"), D("1"))]
    book = aggregate(asks, bids, 2, 6)
    assert book.asks[0][0] >= D("0.066713")
    assert book.bids[0][0] <= D("0.066719")
    assert book.asks[0][0] == D("0.0668") and book.bids[0][0] == D("0.0667")


def test_step_beyond_precision_prints_no_decimals() -> None:
    book = aggregate([(D("10.3"), D("1"))], [(D("10.3"), D("1"))], 2, 1)
    assert book.asks == ((D("20"), D("1")),)
    assert book.bids == ((D("10"), D("1")),)


def test_buckets_come_from_the_whole_book_then_cut() -> None:
    bids = [(D(1000) - D(i) / 100, D(1)) for i in range(1, 1001)]
    book = aggregate([], bids, 1, 2, limit=150)
    assert len(book.bids) == 100
    assert all(amount == D(10) for _, amount in book.bids)
    deep = aggregate([], bids, 0, 2, limit=150)
    assert len(deep.bids) == 150 and deep.bids[0][0] == D("999.99")


def gated_rows(precision: int) -> st.SearchStrategy[list[list[str]]]:
    """Depth rows at the edge of what the gate lets through for `precision` (28 digits)."""
    number = st.decimals(
        min_value=D(1).scaleb(-precision),
        max_value=10 ** min(15, 27 - precision) - 1,
        places=precision,
    ).map(str)
    return st.lists(st.tuples(number, number).map(list), max_size=20)


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.data(), precision=st.integers(0, 18), step=st.integers(0, 2))
def test_any_book_the_gate_lets_through_aggregates_at_every_step(
    data: st.DataObject, precision: int, step: int
) -> None:
    """Bucketing and quantizing at steps 0..2 never raise `InvalidOperation` on a book that
    passed the gate, however close to its bounds."""
    symbol = Symbol("xy", "x", "y", precision, precision, D(0), D(0))
    tick = {"asks": data.draw(gated_rows(precision)), "buys": data.draw(gated_rows(precision))}
    book = codec.depth_from_push(1_700_000_000_000, tick, symbol=symbol)
    aggregated = aggregate(book.asks, book.bids, step, precision)
    for price, amount in aggregated.asks + aggregated.bids:
        assert format(price, ",f") and format(amount, ",f")
    assert not aggregated.crossed
