"""The ladder as one column of prices, and which window of it is on screen.

The whole book is one list of lines from the highest ask down to the lowest bid, with the
spread line between the sides; the screen shows a window of it. The cursor is a price, not a
screen row: it is found in this list after every push, so it stays on its price however the
book moves. A price whose level has vanished stays in the list as an empty level (a "vacant"
line) for as long as the cursor is on it: a trader about to press `b` at 27,000 wants 27,000,
not the neighbour that happens to be there now.

The window either follows the spread (centred, the start-up view and `Home`) or holds the
cursor at a fixed screen row (after PageUp/PageDown, or when the cursor leaves the centred
view); either way the cursor is always inside it. Our own orders beyond an edge of the
window are pinned to that edge, with a gap line between that stands for the levels hidden in
between, so the cumulative column never jumps silently. Pure functions, tested without an app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from cdx.model.book import Book
from cdx.model.order import Side

Level = tuple[Decimal, Decimal]

PIN_MIN_BODY = 6
"""Below this many rows there is no room to pin a far own order (it would take two of them)."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The cursor: the price it is on and the side that row trades (an ask row sells)."""

    side: Side
    price: Decimal


class Line(NamedTuple):
    """One price of the column, or the spread line (`side` None).

    `depth` is the level's index from the spread on its side, -1 for a vacant price (the
    cursor's, whose level is gone) and for the spread line. A named tuple: one is built per
    level on every push, and a tuple is the cheapest value to build.
    """

    side: Side | None
    depth: int
    price: Decimal | None = None

    @property
    def is_level(self) -> bool:
        return self.side is not None


SPREAD = Line(None, -1)


@dataclass(frozen=True, slots=True)
class Gap:
    """Levels of one side hidden between the window and a pinned own order."""

    side: Side
    first: int
    """Depth of the first hidden level (nearest the spread)."""
    last: int
    """Depth of the last hidden level."""


Slot = int | Gap | None
"""What one screen row shows: a line index, a gap, or nothing (past either end of the book)."""


@dataclass(frozen=True, slots=True)
class Column:
    """The book as one column of lines, with the spread's and the cursor's positions."""

    lines: tuple[Line, ...]
    spread: int
    cursor: int | None
    anchor: Anchor | None


def column(book: Book | None, anchor: Anchor | None) -> Column:
    """The lines of `book` top to bottom; the cursor's price kept (vacant if its level is
    gone), or put on the best ask (the best bid in a book without asks) when there is none."""
    if book is None:
        return Column((SPREAD,), 0, None, anchor)
    asks = [Line(Side.SELL, depth, price) for depth, (price, _) in enumerate(book.asks)]
    bids = [Line(Side.BUY, depth, price) for depth, (price, _) in enumerate(book.bids)]
    if anchor is None:
        if asks:
            anchor = Anchor(Side.SELL, asks[0].price)  # type: ignore[arg-type]
        elif bids:
            anchor = Anchor(Side.BUY, bids[0].price)  # type: ignore[arg-type]
    target = None
    if anchor is not None:
        anchor, target = _placed(anchor, asks, bids)
    lines = (*reversed(asks), SPREAD, *bids)
    cursor = next((i for i, line in enumerate(lines) if line is target), None)
    return Column(lines, len(asks), cursor, anchor)


def _placed(anchor: Anchor, asks: list[Line], bids: list[Line]) -> tuple[Anchor, Line]:
    """The anchor on its level's side, and its line; a vacant price is inserted where it
    sorts."""
    price = anchor.price
    for lines in (asks, bids):
        for line in lines:
            if line.price == price:
                return Anchor(line.side, price), line  # type: ignore[arg-type]
    best_ask = asks[0].price if asks else None
    best_bid = bids[0].price if bids else None
    side = anchor.side
    if best_ask is not None and price > best_ask:
        side = Side.SELL
    elif best_bid is not None and price < best_bid:
        side = Side.BUY
    vacant = Line(side, -1, price)
    levels = asks if side is Side.SELL else bids
    # Asks ascend and bids descend from the spread: insert before the first level past it.
    sign = 1 if side is Side.SELL else -1
    at = next(
        (i for i, line in enumerate(levels) if sign * (line.price - price) > 0),  # type: ignore[operator]
        len(levels),
    )
    levels.insert(at, vacant)
    return Anchor(side, price), vacant


def centred_start(col: Column, body: int) -> int:
    """The first line of a window that has the spread line in its middle."""
    return col.spread - max(body - 1, 0) // 2


def window_start(col: Column, body: int, desired: int) -> int:
    """`desired`, kept inside the book (or the centred view, if that reaches further) and
    moved as little as needed to keep the cursor in the window."""
    centred = centred_start(col, body)
    low, high = min(0, centred), max(len(col.lines) - body, centred)
    start = min(max(desired, low), high)
    if col.cursor is not None:
        start = min(max(start, col.cursor - body + 1), col.cursor)
    return start


def slots(col: Column, start: int, body: int, own: frozenset[tuple[Side, Decimal]]) -> list[Slot]:
    """What each of the `body` rows from line `start` shows, far own orders pinned.

    A pin replaces the two rows at its edge (its own level and the gap), so the window is moved
    first if the cursor would fall into the gap; if it still would, that edge is not pinned.
    """
    for _ in range(3):
        rows = _with_pins(col, start, body, own)
        shift = _cursor_shift(col, rows, start, body)
        if not shift:
            return rows
        start += shift
    rows = _with_pins(col, start, body, own)
    if _cursor_shift(col, rows, start, body):
        return [i if 0 <= i < len(col.lines) else None for i in range(start, start + body)]
    return rows


def _with_pins(
    col: Column, start: int, body: int, own: frozenset[tuple[Side, Decimal]]
) -> list[Slot]:
    lines = col.lines
    rows: list[Slot] = [i if 0 <= i < len(lines) else None for i in range(start, start + body)]
    if body < PIN_MIN_BODY or not own:
        return rows
    end = start + body
    top = _pinned(lines, start - 1, -1, own) if start > 0 else None
    if top is not None and _same_side(lines, top, start, start + 1):
        rows[0], rows[1] = top, _gap(lines, top + 1, start + 1)
    bottom = _pinned(lines, end, 1, own) if end < len(lines) else None
    if bottom is not None and _same_side(lines, bottom, end - 2, end - 1):
        rows[-1], rows[-2] = bottom, _gap(lines, end - 2, bottom - 1)
    return rows


def _pinned(
    lines: Sequence[Line], first: int, direction: int, own: frozenset[tuple[Side, Decimal]]
) -> int | None:
    """The nearest line from `first` outwards, on the side of `first`, holding our order."""
    side = lines[first].side
    if side is None:
        return None
    index = first
    while 0 <= index < len(lines) and lines[index].side is side:
        line = lines[index]
        if (side, line.price) in own:
            return index
        index += direction
    return None


def _same_side(lines: Sequence[Line], pinned: int, *indexes: int) -> bool:
    """Whether the rows a pin would take show levels of the pinned side (not the spread)."""
    side = lines[pinned].side
    return all(0 <= i < len(lines) and lines[i].side is side for i in indexes)


def _gap(lines: Sequence[Line], first: int, last: int) -> Gap:
    """The lines `first`..`last` (either order) as a gap of their side's depths."""
    low, high = sorted((first, last))
    depths = [lines[i].depth for i in range(low, high + 1) if lines[i].depth >= 0]
    side = lines[low].side
    assert side is not None
    return Gap(side, min(depths, default=0), max(depths, default=-1))


def _cursor_shift(col: Column, rows: Sequence[Slot], start: int, body: int) -> int:
    """How far to move the window so the cursor is on a shown line (0 if it is)."""
    cursor = col.cursor
    if cursor is None or cursor in rows:
        return 0
    if isinstance(rows[0], Gap) and cursor < start + 2:
        return cursor - (start + 2)
    if isinstance(rows[-1], int) and isinstance(rows[-2], Gap) and cursor >= start + body - 2:
        return cursor - (start + body - 3)
    return 0


def moved(col: Column, by: int) -> Anchor | None:
    """The anchor `by` price lines down (up if negative) from the cursor, skipping the spread
    line and stopping at either end of the book."""
    if col.cursor is None:
        return col.anchor
    levels = [i for i, line in enumerate(col.lines) if line.is_level]
    if not levels:
        return col.anchor
    position = levels.index(col.cursor) if col.cursor in levels else 0
    target = col.lines[levels[min(max(position + by, 0), len(levels) - 1)]]
    assert target.side is not None and target.price is not None
    return Anchor(target.side, target.price)


def best(col: Column, side: Side | None) -> Anchor | None:
    """The best level of `side` (of the other side if `side` has none): where Home goes."""
    order = (Side.BUY, Side.SELL) if side is Side.BUY else (Side.SELL, Side.BUY)
    for candidate in order:
        for line in col.lines:
            if line.side is candidate and line.depth == 0:
                assert line.price is not None
                return Anchor(candidate, line.price)
    return None
