"""The depth ladder: asks above, bids below, a spread line between, and a cursor to trade at.

The ladder is the most frequently repainted part of the screen (a depth push may arrive ten
times a second), so it draws itself line by line and, on every `show()`, compares the rows it
is about to draw with the rows it drew last time and refreshes only the lines that differ.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cdx.model.book import Book, aggregate
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import NUMBER_WIDTH, display_math, fmt_amount, fmt_price
from cdx.ui.widgets.contained import Contained, contained
from cdx.ui.widgets.line_diff import refresh_changed

log = logging.getLogger(__name__)

STEPS: tuple[int, ...] = (0, 1, 2)
"""The depth steps a server offers (PROTOCOL.md section 5)."""

OWN_MARKER = "◆"
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"
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

    `bar` is the depth bar length in eighths of a cell; `text` carries the selector or spread text.
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


class Ladder(Contained, Widget, can_focus=True):
    """Aggregated depth ladder; the cursor row is a price the user can trade at.

    Asks are above (best ask nearest the middle), bids below, with a spread line between; each
    row shows price / amount / cumulative amount and a depth bar scaled to the cumulative
    amount. Rows holding one of our open orders carry a marker. The first line is the step
    selector, the current step highlighted. A book it cannot lay out (see `Contained`) shows
    as one "display error" line until the next one it can.
    """

    DEFAULT_CSS = """
    Ladder {
        width: 1fr;
        height: 1fr;
        min-height: 7;
        min-width: 20;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("enter", "pick", "Trade here"),
        Binding("left_square_bracket", "step(-1)", "Finer step", key_display="[", show=False),
        Binding("right_square_bracket", "step(1)", "Coarser step", key_display="]", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ladder--selector",
        "ladder--step-current",
        "ladder--columns",
        "ladder--ask",
        "ladder--bid",
        "ladder--ask-bar",
        "ladder--bid-bar",
        "ladder--amount",
        "ladder--own",
        "ladder--cursor",
        "ladder--spread",
        "ladder--empty",
    }

    class PricePicked(Message):
        """Enter on a row: trade at its price; an ask row means SELL, a bid row BUY."""

        def __init__(self, side: Side, price: Decimal) -> None:
            self.side = side
            self.price = price
            super().__init__()

    class StepChanged(Message):
        """The user asked for another depth step (`[` / `]`); the app should fetch that book."""

        def __init__(self, step: int) -> None:
            self.step = step
            super().__init__()

    step: reactive[int] = reactive(0, repaint=False, init=False)
    """The depth step shown in the selector (0 = raw book)."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._book: Book | None = None
        self._book_step = 0
        # A step the user chose with `[`/`]` that no `show()` has delivered yet.
        self._pending_step: int | None = None
        self._symbol: Symbol | None = None
        self._own_orders: tuple[Order, ...] = ()
        # (side the row trades, depth index from the spread): SELL = ask rows, BUY = bid rows.
        self._cursor: tuple[Side, int] | None = None
        self._rows: list[LadderRow] = []
        self._columns: Columns | None = None
        self._shown_asks: tuple[tuple[Decimal, Decimal], ...] = ()
        self._shown_bids: tuple[tuple[Decimal, Decimal], ...] = ()
        self._strips: dict[int, tuple[LadderRow, Strip]] = {}

    # ------------------------------------------------------------------ public API

    def show(self, book: Book, symbol: Symbol, step: int, own_orders: Sequence[Order] = ()) -> None:
        """Display `book` (aggregated at `step`) of `symbol`, marking `own_orders`' levels.

        `step` also sets the selector, except while a step the user picked with `[`/`]` is
        still on its way: books of other steps are then shown at the user's step (aggregated
        when finer, "loading" when coarser). Safe to call many times a second: only lines whose
        content changed are repainted.
        """
        if self._symbol is not None and symbol.name != self._symbol.name:
            self._cursor = None
            self._pending_step = None
        self._book = book
        self._book_step = step
        self._symbol = symbol
        self._own_orders = tuple(own_orders)
        if self._pending_step == step:
            self._pending_step = None
        if self._pending_step is None:
            self.set_reactive(Ladder.step, step)
        # else: a book of the step before the user's `[`/`]` reached us before the app acted
        # on StepChanged; keep the user's step (aggregating this book if it is finer).
        self._update()

    def clear(self) -> None:
        """Forget the book (e.g. while another symbol's first snapshot is on its way)."""
        self._book = None
        self._cursor = None
        self._pending_step = None
        self._update()

    @property
    def cursor_price(self) -> Decimal | None:
        """The price of the cursor row, or None when there is no cursor or the row is empty."""
        level = self._cursor_level()
        return level[0] if level is not None else None

    @property
    def cursor_side(self) -> Side | None:
        """The order side the cursor row trades: SELL on an ask row, BUY on a bid row."""
        if self._cursor is None or self._cursor_level() is None:
            return None
        return self._cursor[0]

    @property
    def rows(self) -> tuple[LadderRow, ...]:
        """The rows as last laid out, top to bottom (what is on screen)."""
        return tuple(self._rows)

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        """Move toward higher prices: up the bids, across the spread, up the asks."""
        if self._cursor is None:
            self._cursor = (Side.SELL, 0)
        else:
            side, index = self._cursor
            if side is Side.BUY:
                self._cursor = (Side.BUY, index - 1) if index > 0 else (Side.SELL, 0)
            elif index + 1 < len(self._shown_asks):
                self._cursor = (Side.SELL, index + 1)
        self._update()

    def action_cursor_down(self) -> None:
        """Move toward lower prices: down the asks, across the spread, down the bids."""
        if self._cursor is None:
            self._cursor = (Side.BUY, 0)
        else:
            side, index = self._cursor
            if side is Side.SELL:
                self._cursor = (Side.SELL, index - 1) if index > 0 else (Side.BUY, 0)
            elif index + 1 < len(self._shown_bids):
                self._cursor = (Side.BUY, index + 1)
        self._update()

    def action_pick(self) -> None:
        """Post `PricePicked` for the cursor row (nothing happens without one)."""
        price, side = self.cursor_price, self.cursor_side
        if price is None or side is None:
            self.app.bell()
            return
        self.post_message(self.PricePicked(side, price))

    def action_step(self, delta: int) -> None:
        """Switch to a finer (-1) or coarser (+1) step and tell the app to fetch that book."""
        new_step = min(max(self.step + delta, STEPS[0]), STEPS[-1])
        if new_step == self.step:
            return
        self.step = new_step
        self._pending_step = new_step
        self.post_message(self.StepChanged(new_step))

    def watch_step(self) -> None:
        self._update()

    def on_resize(self, event: events.Resize) -> None:
        self._strips.clear()
        self._update(full=True)

    def notify_style_update(self) -> None:
        """Styles changed (theme switch, focus): the cached lines were drawn in the old ones."""
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        """A click on a price row moves the cursor there and picks it, as Enter would."""
        if not 0 <= event.y < len(self._rows):
            return
        kind = self._rows[event.y].kind
        if kind not in (RowKind.ASK, RowKind.BID):
            return
        spread_y = next(y for y, row in enumerate(self._rows) if row.kind is RowKind.SPREAD)
        if kind is RowKind.ASK:
            self._cursor = (Side.SELL, spread_y - 1 - event.y)
        else:
            self._cursor = (Side.BUY, event.y - spread_y - 1)
        self._update()
        self.action_pick()

    def on_focus(self) -> None:
        self._update(full=True)

    def on_blur(self) -> None:
        self._update(full=True)

    # ------------------------------------------------------------------ layout

    def _display_book(self) -> Book | None:
        """The book for the selected step; a finer book is aggregated here until the app's
        coarser snapshot arrives, so the selector and the rows never disagree."""
        book, symbol = self._book, self._symbol
        if book is None or symbol is None:
            return None
        if self.step == self._book_step:
            return book
        if self.step > self._book_step:
            return aggregate(
                book.asks, book.bids, self.step, symbol.price_precision, time=book.time
            )
        return None

    def _cursor_level(self) -> tuple[Decimal, Decimal] | None:
        if self._cursor is None:
            return None
        side, index = self._cursor
        levels = self._shown_asks if side is Side.SELL else self._shown_bids
        return levels[index] if 0 <= index < len(levels) else None

    def _own_levels(self, symbol: Symbol, step: int) -> frozenset[tuple[Side, Decimal]]:
        """Buckets holding our open limit orders at `step`: a bid floors, an ask ceils."""
        size = symbol.step_size(step)
        marked: set[tuple[Side, Decimal]] = set()
        for order in self._own_orders:
            if order.type is not OrderType.LIMIT or not order.is_open:
                continue
            if order.symbol != symbol.name:
                continue
            rounding = ROUND_FLOOR if order.side is Side.BUY else ROUND_CEILING
            bucket = (order.price / size).to_integral_value(rounding=rounding) * size
            marked.add((order.side, bucket))
        return frozenset(marked)

    @contained
    def _update(self, *, full: bool = False) -> None:
        """Lay out the rows for the current size and repaint the lines that changed."""
        if not self.is_mounted:
            return
        rows, columns = self._layout(*self.size)
        full = full or columns != self._columns
        old_rows, self._rows, self._columns = self._rows, rows, columns
        if refresh_changed(self, old_rows, rows, full=full):
            self._strips.clear()

    def _layout(self, width: int, height: int) -> tuple[list[LadderRow], Columns]:
        """The rows to draw at this size; arithmetic on server values cannot trap here."""
        with display_math():
            return self._layout_rows(width, height)

    def _layout_rows(self, width: int, height: int) -> tuple[list[LadderRow], Columns]:
        symbol = self._symbol
        book = self._display_book()
        step = self.step
        rows: list[LadderRow] = [LadderRow(RowKind.SELECTOR, step=step, text=self._size_text())]
        if height <= 0:
            return rows[:0], Columns(0, 0, 0, 0)
        rows.append(LadderRow(RowKind.COLUMNS))
        body = max(height - len(rows), 0)
        n_asks = max(body - 1, 0) // 2
        n_bids = max(body - 1 - n_asks, 0)
        own = self._own_levels(symbol, step) if symbol is not None else frozenset()
        ask_index = _pinned(book.asks, n_asks, own, Side.SELL) if book is not None else []
        bid_index = _pinned(book.bids, n_bids, own, Side.BUY) if book is not None else []
        asks = tuple(book.asks[i] for i in ask_index) if book is not None else ()
        bids = tuple(book.bids[i] for i in bid_index) if book is not None else ()
        self._shown_asks, self._shown_bids = asks, bids
        if self._cursor is not None and self._cursor_level() is None:
            side, _ = self._cursor
            levels = asks if side is Side.SELL else bids
            self._cursor = (side, len(levels) - 1) if levels else None

        price_decimals = symbol.step_decimals(step) if symbol is not None else 2
        amount_decimals = symbol.amount_precision if symbol is not None else 4
        ask_totals = _totals(book.asks, ask_index) if book is not None else []
        bid_totals = _totals(book.bids, bid_index) if book is not None else []
        # Bars scale to the deepest contiguous row, so a pinned far-away own level does not
        # flatten every other bar.
        deepest = max(
            [*_contiguous_last(ask_totals, ask_index), *_contiguous_last(bid_totals, bid_index)],
            default=Decimal(0),
        )

        levels = list(zip((*asks, *bids), (*ask_totals, *bid_totals), strict=True))

        def level_texts(price_width: int, amount_width: int) -> list[tuple[str, str, str]]:
            return [
                (
                    fmt_price(price, price_decimals, width=price_width),
                    fmt_amount(amount, amount_decimals, width=amount_width),
                    fmt_amount(total, amount_decimals, width=amount_width),
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
        bar_cells = columns.bar * 8

        def level_row(kind: RowKind, side: Side, index: int, total: Decimal) -> LadderRow:
            price_text, amount_text, total_text = texts[
                index if side is Side.SELL else len(asks) + index
            ]
            level = (asks if side is Side.SELL else bids)[index]
            bar = _bar_length(total, bar_cells, deepest)
            return LadderRow(
                kind,
                price=price_text,
                amount=amount_text,
                total=total_text,
                bar=bar,
                own=(side, level[0]) in own,
                cursor=self._cursor == (side, index),
            )

        rows.extend(LadderRow(RowKind.EMPTY) for _ in range(n_asks - len(asks)))
        for index in reversed(range(len(asks))):
            rows.append(level_row(RowKind.ASK, Side.SELL, index, ask_totals[index]))
        if body > 0:
            rows.append(LadderRow(RowKind.SPREAD, text=self._spread_text(book, price_decimals)))
        for index in range(len(bids)):
            rows.append(level_row(RowKind.BID, Side.BUY, index, bid_totals[index]))
        rows.extend(LadderRow(RowKind.EMPTY) for _ in range(n_bids - len(bids)))
        return rows[:height], columns

    def _size_text(self) -> str:
        symbol = self._symbol
        if symbol is None:
            return ""
        return f"by {fmt_price(symbol.step_size(self.step), symbol.step_decimals(self.step))}"

    def _spread_text(self, book: Book | None, decimals: int) -> str:
        if book is None:
            return "waiting for depth…" if self._book is None else f"loading step{self.step}…"
        if book.best_ask is None and book.best_bid is None:
            return "no orders"
        spread = book.spread
        if spread is None or book.best_bid is None:
            return "one-sided book"
        mid = (book.best_ask + book.best_bid) / 2 if book.best_ask is not None else book.best_bid
        pct = spread / mid * 100 if mid else Decimal(0)
        return f"spread {fmt_price(spread, decimals)}  {fmt_price(pct, 3)}%"

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[y]
        cached = self._strips.get(y)
        if cached is not None and cached[0] == row:
            return cached[1]
        strip = self._draw(row, width).crop_extend(0, width, self.rich_style).simplify()
        self._strips[y] = (row, strip)
        return strip

    def _style(self, *names: str) -> Style:
        return self.get_component_rich_style(*names)

    def _draw(self, row: LadderRow, width: int) -> Strip:
        base = self.rich_style
        if row.kind is RowKind.SELECTOR:
            return self._draw_selector(row, width)
        if row.kind is RowKind.SPREAD:
            style = self._style("ladder--spread")
            text = f" {row.text} "
            pad = max(width - len(text), 0)
            left = pad // 2
            line = "─" * left + text + "─" * (pad - left)
            return Strip([Segment(line[:width], style)])
        if row.kind is RowKind.EMPTY:
            return Strip([Segment(" " * width, self._style("ladder--empty"))])
        columns = self._columns or Columns(5, 6, 0, 0)
        if row.kind is RowKind.COLUMNS:
            style = self._style("ladder--columns")
            cells = [
                " ",
                " ",
                _right("Price", columns.price),
                " ",
                _right("Amount", columns.amount),
            ]
            if columns.total:
                cells += [" ", _right("Total", columns.total)]
            return Strip([Segment("".join(cells), style)])
        is_ask = row.kind is RowKind.ASK
        side_style = self._style("ladder--ask" if is_ask else "ladder--bid")
        amount_style = self._style("ladder--amount")
        bar_style = self._style("ladder--ask-bar" if is_ask else "ladder--bid-bar")
        overlay = Style()
        if row.cursor:
            overlay = self._style("ladder--cursor") if self.has_focus else Style(reverse=True)
        price_style = side_style + self._style("ladder--own") if row.own else side_style
        segments = [
            Segment(
                OWN_MARKER if row.own else " ", self._style("ladder--own") if row.own else base
            ),
            Segment(" ", base),
            Segment(_right(row.price, columns.price), price_style),
            Segment(" ", base),
            Segment(_right(row.amount, columns.amount), amount_style),
        ]
        if columns.total:
            segments += [
                Segment(" ", base),
                Segment(_right(row.total, columns.total), amount_style),
            ]
        if columns.bar:
            full, eighths = divmod(row.bar, 8)
            bar = "█" * full + (BAR_EIGHTHS[eighths] if eighths else "")
            segments += [Segment(" ", base), Segment(bar.ljust(columns.bar), bar_style)]
        if row.cursor:
            segments = [
                Segment(seg.text, seg.style + overlay if seg.style else overlay) for seg in segments
            ]
        return Strip(segments)

    def _draw_selector(self, row: LadderRow, width: int) -> Strip:
        style = self._style("ladder--selector")
        current = self._style("ladder--step-current")
        segments = [Segment(" ", style)]
        for step in STEPS:
            label = f"[step{step}]" if step == row.step else f" step{step} "
            segments.append(Segment(label, current if step == row.step else style))
            segments.append(Segment(" ", style))
        used = sum(len(segment.text) for segment in segments)
        if row.text and used + len(row.text) + 1 <= width:
            segments.append(Segment(" " + row.text, style))
            used += len(row.text) + 1
        segments.append(Segment(" " * max(width - used, 0), style))
        return Strip(segments)


def _pinned(
    levels: Sequence[tuple[Decimal, Decimal]],
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


def _totals(levels: Sequence[tuple[Decimal, Decimal]], indexes: Sequence[int]) -> list[Decimal]:
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


def _cumulative(levels: Sequence[tuple[Decimal, Decimal]]) -> list[Decimal]:
    totals: list[Decimal] = []
    running = Decimal(0)
    for _, amount in levels:
        running += amount
        totals.append(running)
    return totals


def _bar_length(total: Decimal, cells: int, deepest: Decimal) -> int:
    """Eighths of a cell for a cumulative `total`; nothing for a value out of range."""
    if not (total.is_finite() and deepest.is_finite()) or deepest <= 0 or total <= 0:
        return 0
    with display_math():
        eighths = total * cells / deepest
    # Compared before int(): int() of 1e999999999 would build a billion-digit integer.
    return cells if not eighths.is_finite() or eighths >= cells else int(eighths)


def _right(text: str, width: int) -> str:
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
