"""The ladder's rows: which levels fit, in which columns, with which bars and markers.

Pure functions of a book and a size, kept apart from the `Ladder` widget so the widget is only
keys, state and drawing, and so the layout can be tested without an app. Arithmetic on server
values runs in the display context (`display_math`), where it cannot trap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from cdx.model.book import Book
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import NUMBER_WIDTH, display_math, fmt_amount, fmt_price

Level = tuple[Decimal, Decimal]
Cursor = tuple[Side, int]
"""(side the row trades, depth index from the spread): SELL = ask rows, BUY = bid rows."""

OWN_MARKER = "◆"
BAR_UNITS = 2
"""Depth bars move in half cells (`█` and `▌`). Eighths looked smoother but moved the end of
every bar below a changed level on almost every push; halves are still finer than the eye
compares bars at, and one change now redraws a bar end only when a total crosses a half cell."""
BAR_HALF = "▌"
SCALE_STEPS = (Decimal(1), Decimal(2), Decimal(5))
"""Bar scales are 1, 2 or 5 times a power of ten: the scale is a round number that holds
while the book breathes, instead of the deepest total that changes with every push."""
SCALE_KEEP = Decimal("0.4")
"""A scale is kept while the deepest total is above this fraction of it (and not above it), so
a total hovering at a step boundary does not flip every bar back and forth."""
MIN_BAR_WIDTH = 4
"""Below this many free cells the depth bars are dropped (narrow mode)."""


class RowKind(StrEnum):
    """What one line of the ladder shows."""

    SELECTOR = "selector"
    COLUMNS = "columns"
    ASK = "ask"
    BID = "bid"
    EMPTY = "empty"
    SPREAD = "spread"


@dataclass(frozen=True, slots=True)
class LadderRow:
    """Everything that decides how one line looks; two equal rows draw the same line.

    `bar` is the depth bar length in `BAR_UNITS` of a cell; `text` carries the selector or
    spread text.
    """

    kind: RowKind
    price: str = ""
    amount: str = ""
    total: str = ""
    bar: int = 0
    own: bool = False
    cursor: bool = False
    text: str = ""
    step: int = 0


@dataclass(frozen=True, slots=True)
class Columns:
    """Column widths for the current content and widget width; 0 means the column is dropped."""

    price: int
    amount: int
    total: int
    bar: int


@dataclass(frozen=True, slots=True)
class LadderView:
    """What the ladder shows, independent of its size."""

    book: Book | None
    selector: LadderRow
    spread_text: str
    price_decimals: int = 2
    amount_decimals: int = 4
    own: frozenset[tuple[Side, Decimal]] = frozenset()
    cursor: Cursor | None = None
    bar_scale: Decimal | None = None
    """The scale the bars were last drawn at, kept while it still fits (see `bar_scale`)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """The rows at one size, the levels they show and the cursor moved onto one of them."""

    rows: tuple[LadderRow, ...]
    columns: Columns
    asks: tuple[Level, ...] = ()
    bids: tuple[Level, ...] = ()
    cursor: Cursor | None = None
    bar_scale: Decimal | None = None


def lay_out(view: LadderView, width: int, height: int) -> Layout:
    """The rows to draw at this size: selector, column titles, asks, spread line, bids."""
    if height <= 0:
        return Layout((), Columns(0, 0, 0, 0), cursor=view.cursor)
    with display_math():
        return _lay_out(view, width, height)


def _lay_out(view: LadderView, width: int, height: int) -> Layout:
    book = view.book
    body = max(height - 2, 0)
    n_asks = max(body - 1, 0) // 2
    n_bids = max(body - 1 - n_asks, 0)
    ask_index = _pinned(book.asks, n_asks, view.own, Side.SELL) if book is not None else []
    bid_index = _pinned(book.bids, n_bids, view.own, Side.BUY) if book is not None else []
    asks = tuple(book.asks[i] for i in ask_index) if book is not None else ()
    bids = tuple(book.bids[i] for i in bid_index) if book is not None else ()
    cursor = _clamped(view.cursor, asks, bids)
    ask_totals = _totals(book.asks, ask_index) if book is not None else []
    bid_totals = _totals(book.bids, bid_index) if book is not None else []
    # Bars scale to the deepest contiguous row (rounded up to a round number that holds while
    # it fits), so a pinned far-away own level does not flatten every other bar, and a push
    # that changes the deepest total does not redraw every bar.
    deepest = max(
        [*_contiguous_last(ask_totals, ask_index), *_contiguous_last(bid_totals, bid_index)],
        default=Decimal(0),
    )
    levels = list(zip((*asks, *bids), (*ask_totals, *bid_totals), strict=True))
    texts, columns = _fit(view, levels, width)
    bar_cells = columns.bar * BAR_UNITS
    scale = bar_scale(deepest, view.bar_scale)

    def level_row(kind: RowKind, side: Side, index: int, position: int) -> LadderRow:
        (price, _), total = levels[position]
        price_text, amount_text, total_text = texts[position]
        return LadderRow(
            kind,
            price=price_text,
            amount=amount_text,
            total=total_text,
            bar=bar_length(total, bar_cells, scale),
            own=(side, price) in view.own,
            cursor=cursor == (side, index),
        )

    rows = [view.selector, LadderRow(RowKind.COLUMNS)]
    rows.extend(LadderRow(RowKind.EMPTY) for _ in range(n_asks - len(asks)))
    rows.extend(level_row(RowKind.ASK, Side.SELL, i, i) for i in reversed(range(len(asks))))
    if body > 0:
        rows.append(LadderRow(RowKind.SPREAD, text=view.spread_text))
    rows.extend(level_row(RowKind.BID, Side.BUY, i, len(asks) + i) for i in range(len(bids)))
    rows.extend(LadderRow(RowKind.EMPTY) for _ in range(n_bids - len(bids)))
    return Layout(tuple(rows[:height]), columns, asks, bids, cursor, scale)


def _fit(
    view: LadderView, levels: Sequence[tuple[Level, Decimal]], width: int
) -> tuple[list[tuple[str, str, str]], Columns]:
    """Texts of each level and the columns they fit in; numbers cut (and marked) if too wide."""

    def level_texts(price_width: int, amount_width: int) -> list[tuple[str, str, str]]:
        return [
            (
                fmt_price(price, view.price_decimals, width=price_width),
                fmt_amount(amount, view.amount_decimals, width=amount_width),
                fmt_amount(total, view.amount_decimals, width=amount_width),
            )
            for (price, amount), total in levels
        ]

    texts = level_texts(NUMBER_WIDTH, NUMBER_WIDTH)
    columns = _fit_columns(width, texts)
    room = width - 3  # marker, space, price, space, amount
    if columns.price + columns.amount > room:
        # Too wide even without totals: share the room, numbers marked where cut.
        price_width = max(room - columns.amount, room // 2)
        texts = level_texts(price_width, room - price_width)
        columns = _fit_columns(width, texts)
    return texts, columns


def _clamped(cursor: Cursor | None, asks: Sequence[Level], bids: Sequence[Level]) -> Cursor | None:
    """The cursor, moved to the outermost shown level of its side if its level is gone."""
    if cursor is None:
        return None
    side, index = cursor
    levels = asks if side is Side.SELL else bids
    if 0 <= index < len(levels):
        return cursor
    return (side, len(levels) - 1) if levels else None


def own_levels(
    orders: Sequence[Order], symbol: Symbol, step: int
) -> frozenset[tuple[Side, Decimal]]:
    """Buckets holding our open limit orders at `step`: a bid floors, an ask ceils."""
    size = symbol.step_size(step)
    marked: set[tuple[Side, Decimal]] = set()
    for order in orders:
        if order.type is not OrderType.LIMIT or not order.is_open:
            continue
        if order.symbol != symbol.name:
            continue
        rounding = ROUND_FLOOR if order.side is Side.BUY else ROUND_CEILING
        bucket = (order.price / size).to_integral_value(rounding=rounding) * size
        marked.add((order.side, bucket))
    return frozenset(marked)


def spread_text(book: Book | None, decimals: int, loading: str) -> str:
    """The spread line: spread and its percentage of the mid, or why there is none."""
    if book is None:
        return loading
    if book.best_ask is None and book.best_bid is None:
        return "no orders"
    spread = book.spread
    if spread is None or book.best_bid is None:
        return "one-sided book"
    mid = (book.best_ask + book.best_bid) / 2 if book.best_ask is not None else book.best_bid
    pct = spread / mid * 100 if mid else Decimal(0)
    return f"spread {fmt_price(spread, decimals)}  {fmt_price(pct, 3)}%"


def _pinned(
    levels: Sequence[Level],
    rows: int,
    own: frozenset[tuple[Side, Decimal]],
    side: Side,
) -> list[int]:
    """Indexes of the levels to show on one side: the best `rows`, except that when one of our
    own orders rests deeper than that, the outermost row shows its level instead, so an order
    the user placed is always visible on the ladder."""
    shown = list(range(min(rows, len(levels))))
    if not shown or (side, levels[shown[-1]][0]) in own:
        return shown
    for index in range(len(shown), len(levels)):
        if (side, levels[index][0]) in own:
            shown[-1] = index
            break
    return shown


def _totals(levels: Sequence[Level], indexes: Sequence[int]) -> list[Decimal]:
    """Cumulative amount of the book up to each shown level (true depth, even when pinned)."""
    if not indexes:
        return []
    running = _cumulative(levels[: indexes[-1] + 1])
    return [running[i] for i in indexes]


def _contiguous_last(totals: Sequence[Decimal], indexes: Sequence[int]) -> list[Decimal]:
    """The cumulative total of the last row that is not a pinned (out of order) level."""
    for position in reversed(range(len(indexes))):
        if indexes[position] == position:
            return [totals[position]]
    return []


def _cumulative(levels: Sequence[Level]) -> list[Decimal]:
    totals: list[Decimal] = []
    running = Decimal(0)
    for _, amount in levels:
        running += amount
        totals.append(running)
    return totals


def bar_scale(deepest: Decimal, previous: Decimal | None = None) -> Decimal:
    """The total a full bar stands for: `previous` while `deepest` still fits in it (above
    `SCALE_KEEP` of it), else the smallest 1-2-5 round number at or above `deepest`."""
    if not deepest.is_finite() or deepest <= 0:
        return Decimal(0)
    with display_math():
        if previous is not None and previous * SCALE_KEEP < deepest <= previous:
            return previous
        power = Decimal(10) ** deepest.adjusted()
        for exponent_step in (power, power * 10):
            for step in SCALE_STEPS:
                if step * exponent_step >= deepest:
                    return step * exponent_step
        return deepest  # unreachable: 10 ** (adjusted + 1) > deepest


def bar_length(total: Decimal, cells: int, deepest: Decimal) -> int:
    """Units of a cell for a cumulative `total` against a full bar of `deepest`: at least one
    for any depth (a level with an amount never looks empty), nothing for a value out of
    range."""
    if not (total.is_finite() and deepest.is_finite()) or deepest <= 0 or total <= 0:
        return 0
    with display_math():
        units = total * cells / deepest
    # Compared before int(): int() of 1e999999999 would build a billion-digit integer.
    return cells if not units.is_finite() or units >= cells else max(int(units), min(1, cells))


def right(text: str, width: int) -> str:
    """`text` right-aligned in `width` cells; cut at the end with `…` (never silently)."""
    if not width:
        return ""
    return text.rjust(width) if len(text) <= width else text[: width - 1] + "…"


def _fit_columns(width: int, texts: Sequence[tuple[str, str, str]]) -> Columns:
    """Widths that fit `width`: bars first go, then the cumulative column (narrow mode)."""
    price = max([len("Price"), *(len(t[0]) for t in texts)])
    amount = max([len("Amount"), *(len(t[1]) for t in texts)])
    total = max([len("Total"), *(len(t[2]) for t in texts)])
    fixed = 2 + price + 1 + amount
    if fixed + 1 + total + 1 + MIN_BAR_WIDTH <= width:
        return Columns(price, amount, total, width - (fixed + 1 + total + 1))
    if fixed + 1 + total <= width:
        return Columns(price, amount, total, 0)
    return Columns(price, amount, 0, 0)
