"""Step aggregation exactly as PROTOCOL.md section 5 decides."""

from __future__ import annotations

from decimal import Decimal as D

from cdx.model.book import aggregate


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
