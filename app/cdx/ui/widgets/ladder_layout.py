"""The ladder's rows: which levels fit, in which columns, with which bars and markers.

Pure functions of a book and a size, kept apart from the `Ladder` widget so the widget is only
keys, state and drawing, and so the layout can be tested without an app. Arithmetic on server
values runs in the display context (`display_math`), where it cannot trap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from cdx.model.book import Book
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import NUMBER_WIDTH, display_math, fmt_amount, fmt_price
from cdx.ui.widgets.ladder_lines import (
    SPREAD,
    Anchor,
    Column,
    Gap,
    Slot,
    centred_start,
    slots,
    window_start,
)
from cdx.ui.widgets.ladder_lines import column as lines_of

Level = tuple[Decimal, Decimal]

VACANT = "—"
"""The amount of a vacant price: the cursor's level is gone, the price is still there."""

OWN_MARKER = "◆"
MOVE_MARKER = "↕"
"""The row an order is being moved from (`m`), until the move is confirmed or aborted."""
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
    GAP = "gap"
    """Levels hidden between the window and a pinned own order: how many, their amount."""


@dataclass(frozen=True, slots=True)
class LadderRow:
    """Everything that decides how one line looks; two equal rows draw the same line.

    `bar` is the depth bar length in `BAR_UNITS` of a cell; `text` carries the selector or
    spread text; a gap row's `price` says how many levels it stands for.
    """

    kind: RowKind
    price: str = ""
    amount: str = ""
    total: str = ""
    bar: int = 0
    own: bool = False
    cursor: bool = False
    moving: bool = False
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
    cursor: Anchor | None = None
    follow: bool = True
    """The window follows the spread (centred); else it holds the cursor at `cursor_row`."""
    cursor_row: int = 0
    move_from: Decimal | None = None
    """The price an order is being moved from, marked until the move is done."""
    bar_scale: Decimal | None = None
    """The scale the bars were last drawn at, kept while it still fits (see `bar_scale`)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """The rows at one size, the column of prices they window and where the cursor ended up.

    `slots` says what each body row (after the selector and the titles) shows; `cursor_row` is
    the cursor's body row (None without a cursor).
    """

    rows: tuple[LadderRow, ...]
    columns: Columns
    column: Column = field(default_factory=lambda: lines_of(None, None))
    slots: tuple[Slot, ...] = ()
    cursor_row: int | None = None
    bar_scale: Decimal | None = None

    @property
    def cursor(self) -> Anchor | None:
        return self.column.anchor


HEADER_ROWS = 2
"""The selector and the column titles, above the body of price rows."""


def lay_out(view: LadderView, width: int, height: int) -> Layout:
    """The rows to draw at this size: selector, column titles, then a window of the book."""
    with display_math():
        if height <= 0:
            return Layout((), Columns(0, 0, 0, 0), lines_of(view.book, view.cursor))
        return _lay_out(view, width, height)


def _lay_out(view: LadderView, width: int, height: int) -> Layout:
    book = view.book
    body = max(height - HEADER_ROWS, 0)
    col = lines_of(book, view.cursor)
    if view.follow or col.cursor is None:
        desired = centred_start(col, body)
    else:
        desired = col.cursor - view.cursor_row
    start = window_start(col, body, desired)
    shown = slots(col, start, body, view.own) if body else []
    cells = _cells(book, col, shown)
    texts, columns = _fit(view, [cell[:3] for cell in cells], width)
    scale = bar_scale(_deepest(cells, shown), view.bar_scale)
    bar_cells = columns.bar * BAR_UNITS
    rows = [view.selector, LadderRow(RowKind.COLUMNS)]
    for slot, cell, text in zip(shown, cells, texts, strict=True):
        rows.append(_row(view, col, slot, cell, text, bar_length(cell[3], bar_cells, scale)))
    cursor_row = shown.index(col.cursor) if col.cursor in shown else None
    return Layout(tuple(rows[:height]), columns, col, tuple(shown), cursor_row, scale)


Cell = tuple[Decimal | str, Decimal | str, Decimal | str, Decimal]
"""(price or label, amount, cumulative total, total for the bar) of one body row."""


def _cells(book: Book | None, col: Column, shown: Sequence[Slot]) -> list[Cell]:
    """The numbers of each body row; cumulative totals are the book's true depth from the
    spread, so a pinned row and the gap before it add up with the rows above them."""
    if book is None:
        return [("", "", "", Decimal(0)) for _ in shown]
    levels = {Side.SELL: book.asks, Side.BUY: book.bids}
    deepest = {Side.SELL: -1, Side.BUY: -1}
    for slot in shown:
        side, depth = _depth(col, slot)
        if side is not None:
            deepest[side] = max(deepest[side], depth)
    # Totals down to the deepest row shown only: the rest of the book costs nothing per push.
    totals = {side: _cumulative(levels[side][: deepest[side] + 1]) for side in levels}
    cells: list[Cell] = []
    for slot in shown:
        if isinstance(slot, Gap):
            count = slot.last - slot.first + 1
            run = totals[slot.side]
            before = run[slot.first - 1] if slot.first > 0 else Decimal(0)
            label = f"{count} level" + ("" if count == 1 else "s")
            cells.append((label, run[slot.last] - before, run[slot.last], Decimal(0)))
            continue
        line = col.lines[slot] if slot is not None else SPREAD
        if line.side is None:
            cells.append(("", "", "", Decimal(0)))
        elif line.depth < 0:
            assert line.price is not None
            cells.append((line.price, VACANT, "", Decimal(0)))
        else:
            price, amount = levels[line.side][line.depth]
            total = totals[line.side][line.depth]
            cells.append((price, amount, total, total))
    return cells


def _depth(col: Column, slot: Slot) -> tuple[Side | None, int]:
    """The side and deepest level depth a body row shows (None: no level)."""
    if isinstance(slot, Gap):
        return slot.side, slot.last
    if slot is None:
        return None, -1
    line = col.lines[slot]
    return line.side, line.depth


def _deepest(cells: Sequence[Cell], shown: Sequence[Slot]) -> Decimal:
    """The deepest total of the rows shown in book order: the bars' scale, so a pinned far
    level does not flatten every other bar."""
    pinned = {
        i
        for i, neighbour in ((0, 1), (len(shown) - 1, len(shown) - 2))
        if 0 <= neighbour < len(shown) and isinstance(shown[neighbour], Gap)
    }
    return max((cell[3] for i, cell in enumerate(cells) if i not in pinned), default=Decimal(0))


def _row(
    view: LadderView,
    col: Column,
    slot: Slot,
    cell: Cell,
    text: tuple[str, str, str],
    bar: int,
) -> LadderRow:
    """One body row drawn from its slot and its formatted numbers."""
    price_text, amount_text, total_text = text
    if isinstance(slot, Gap):
        return LadderRow(RowKind.GAP, price=price_text, amount=amount_text, total=total_text)
    if slot is None:
        return LadderRow(RowKind.EMPTY)
    line = col.lines[slot]
    if line.side is None:
        return LadderRow(RowKind.SPREAD, text=view.spread_text)
    return LadderRow(
        RowKind.ASK if line.side is Side.SELL else RowKind.BID,
        price=price_text,
        amount=amount_text,
        total=total_text,
        bar=bar,
        own=(line.side, line.price) in view.own,
        cursor=slot == col.cursor,
        moving=line.price == view.move_from,
    )


Numbers = tuple[Decimal | str, Decimal | str, Decimal | str]
"""A row's price (or a label), amount and total, before formatting."""


def _fit(
    view: LadderView, cells: Sequence[Numbers], width: int
) -> tuple[list[tuple[str, str, str]], Columns]:
    """Texts of each row and the columns they fit in; numbers cut (and marked) if too wide."""

    def texts_at(price_width: int, amount_width: int) -> list[tuple[str, str, str]]:
        def price(value: Decimal | str) -> str:
            if isinstance(value, str):
                return value
            return fmt_price(value, view.price_decimals, width=price_width)

        def amount(value: Decimal | str) -> str:
            if isinstance(value, str):
                return value
            return fmt_amount(value, view.amount_decimals, width=amount_width)

        return [(price(p), amount(a), amount(t)) for p, a, t in cells]

    texts = texts_at(NUMBER_WIDTH, NUMBER_WIDTH)
    columns = _fit_columns(width, texts)
    room = width - 3  # marker, space, price, space, amount
    if columns.price + columns.amount > room:
        # Too wide even without totals: share the room, numbers marked where cut.
        price_width = max(room - columns.amount, room // 2)
        texts = texts_at(price_width, room - price_width)
        columns = _fit_columns(width, texts)
    return texts, columns


def own_levels(
    orders: Sequence[Order], symbol: Symbol, step: int
) -> frozenset[tuple[Side, Decimal]]:
    """Buckets holding our open limit orders at `step`: a bid floors, an ask ceils."""
    marked: set[tuple[Side, Decimal]] = set()
    for order in orders:
        if order.type is not OrderType.LIMIT or not order.is_open:
            continue
        if order.symbol != symbol.name:
            continue
        marked.add((order.side, bucket(order.side, order.price, symbol, step)))
    return frozenset(marked)


def bucket(side: Side, price: Decimal, symbol: Symbol, step: int) -> Decimal:
    """The price level of `step` that `price` is shown in: a bid floors, an ask ceils (the
    exchange's aggregation, PROTOCOL.md section 5)."""
    size = symbol.step_size(step)
    rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    with display_math():
        return (price / size).to_integral_value(rounding=rounding) * size


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
