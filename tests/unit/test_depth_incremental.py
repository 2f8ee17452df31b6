"""The incremental depth decode (a `DepthMemo` per channel) gives exactly what a full decode
gives: the same `Book` (values and the exponents they are written with), the same repairs
and the same skipped levels with the same log lines, over any sequence of snapshots, hostile
ones included. Only rows never seen by the channel go through the gate again."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdx.model.book import Book
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.fields import CodecError
from cdx.protocol.market_data import MEMO_LIMIT, DepthMemo, depth_from_push

TS = 1_700_000_000_000
SYMBOL = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("1"))

# A small alphabet of prices and amounts so snapshots repeat rows (the memo's case), mixed
# with the forms a hostile server sends: numbers, too many decimals, zero, negative, junk.
good_price = st.sampled_from(["100.00", "100.5", "101.25", "99.99", "102", "98.10", "100.50"])
good_amount = st.sampled_from(["0.5", "1.000000", "2.25", "0.000001", "3"])
bad_value = st.sampled_from(
    ["0", "-1", "1.1234567", "abc", "", "1e3", "NaN", " 1", "1" * 70, "100.001"]
)
json_number = st.sampled_from(
    [Decimal("100.0"), Decimal("100.00"), 100, Decimal("1.5"), Decimal("1.50"), True, 1]
)
value = st.one_of(good_price, good_amount, bad_value, json_number, st.none())
row = st.one_of(
    st.tuples(good_price, good_amount).map(list),
    st.tuples(good_price, good_amount).map(list),
    st.lists(value, min_size=0, max_size=3),
    st.tuples(good_price, good_amount, st.one_of(value, st.just([1]))).map(list),
    st.tuples(json_number, st.sampled_from(["1", "1.5"])).map(list),
    st.tuples(good_price, json_number).map(list),
    st.sampled_from(["100.00", {"100.00": "1"}, 5, None, [["1", "2"]], ["100.00", ["1"]]]),
)
side = st.one_of(st.lists(row, max_size=12), st.sampled_from([None, "x", {"a": 1}]))
tick = st.one_of(
    st.fixed_dictionaries({"asks": side, "buys": side}),
    st.fixed_dictionaries({"asks": side}),
    st.just([]),
)


@contextlib.contextmanager
def gate_log() -> Iterator[list[str]]:
    """The protocol's log lines (`LEVEL message`) written while the block runs, in the list
    yielded once the block ends."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    root = logging.getLogger("cdx.protocol")
    root.addHandler(handler)
    lines: list[str] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        lines.extend(f"{record.levelname} {record.getMessage()}" for record in records)


def decode(tick: Any, symbol: Symbol | None, memo: DepthMemo | None) -> tuple[str, list[str]]:
    """What a decode gave: the book written out exactly (or the error), and its log lines."""
    with gate_log() as logged:
        try:
            book: Book | str = depth_from_push(TS, tick, symbol=symbol, memo=memo)
        except CodecError as exc:
            book = f"refused: {exc}"
    shown = book if isinstance(book, str) else f"{book!r}"  # repr keeps each exponent
    return shown, logged


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ticks=st.lists(tick, min_size=1, max_size=8),
    symbols=st.lists(st.sampled_from([SYMBOL, None]), min_size=8, max_size=8),
)
def test_incremental_decode_is_the_full_decode(
    ticks: list[Any], symbols: list[Symbol | None]
) -> None:
    memo = DepthMemo()
    for tick, symbol in zip(ticks, symbols, strict=False):
        assert decode(tick, symbol, memo) == decode(tick, symbol, None)


def test_only_rows_not_seen_go_through_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    first = {"asks": [["101.00", "1"], ["102.00", "2"]], "buys": [["100.00", "3"]]}
    second = {"asks": [["101.00", "1"], ["102.00", "2.5"]], "buys": [["100.00", "3"]]}
    memo = DepthMemo()
    depth_from_push(TS, first, symbol=SYMBOL, memo=memo)
    checked: list[Any] = []
    real = gate.decimal

    def counting(value: Any, **kwargs: Any) -> Decimal:
        checked.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(gate, "decimal", counting)
    book = depth_from_push(TS + 100, second, symbol=SYMBOL, memo=memo)
    assert checked == ["102.00", "2.5"]
    assert book == depth_from_push(TS + 100, second, symbol=SYMBOL)


def test_unchanged_levels_are_the_same_objects() -> None:
    memo = DepthMemo()
    tick = {"asks": [["101.00", "1"]], "buys": [["100.00", "3"]]}
    before = depth_from_push(TS, tick, symbol=SYMBOL, memo=memo)
    tick2 = {"asks": [["101.00", "1"]], "buys": [["100.00", "4"]]}
    after = depth_from_push(TS + 1, tick2, symbol=SYMBOL, memo=memo)
    assert after.asks[0] is before.asks[0]
    assert after.bids[0] == (Decimal("100.00"), Decimal("4"))


def test_a_symbol_learnt_later_checks_remembered_rows_again() -> None:
    """A row accepted without precisions may be refused with them: the memo starts over."""
    memo = DepthMemo()
    tick = {"asks": [["101.001", "1"]], "buys": [["100.00", "3"]]}
    assert depth_from_push(TS, tick, memo=memo).asks
    assert depth_from_push(TS, tick, symbol=SYMBOL, memo=memo).asks == ()


def test_the_memo_stays_bounded() -> None:
    memo = DepthMemo()
    for step in range(200):
        rows = [[f"{1000 + step * 150 + i}.00", "1"] for i in range(150)]
        depth_from_push(TS + step, {"asks": rows, "buys": []}, symbol=SYMBOL, memo=memo)
    assert len(memo.levels((SYMBOL.price_precision, SYMBOL.amount_precision))) <= MEMO_LIMIT + 150


def test_numbers_equal_in_value_are_not_the_same_row() -> None:
    """JSON numbers `1`, `1.0` and `true` are equal keys in Python; the memo keeps strings only,
    so each is read by the gate as a full decode reads it."""
    memo = DepthMemo()
    for price in (Decimal("100.0"), Decimal("100.00"), 100, True):
        tick = {"asks": [[price, "1"]], "buys": []}
        assert decode(tick, SYMBOL, memo) == decode(tick, SYMBOL, None)


def test_a_row_that_is_not_a_list_is_never_taken_for_one_seen() -> None:
    """An object or a string holding the same strings as a row seen before is still refused."""
    memo = DepthMemo()
    seen = {"asks": [["101.00", "1"], ["5", "1"]], "buys": []}
    assert decode(seen, SYMBOL, memo) == decode(seen, SYMBOL, None)
    for row in ({"101.00": "x", "1": "y"}, "51", ("101.00", "1")):
        tick = {"asks": [row, ["102.00", "1"]], "buys": []}
        assert decode(tick, SYMBOL, memo) == decode(tick, SYMBOL, None)
