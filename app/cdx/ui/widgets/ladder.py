"""The depth ladder: asks above, bids below, a spread line between, and a cursor to trade at.

The ladder is the most frequently repainted part of the screen (a depth push may arrive ten
times a second), so it is a `RowLines` widget: every `show()` lays out rows (`ladder_layout`)
and only the lines whose row changed are repainted, each drawn only when its key is new.

The cursor is a price, not a screen row (`ladder_lines`): it stays on its price as the book
moves, up/down step one price, PageUp/PageDown page through every level of the book and
Home comes back to the spread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from cdx.model.book import Book, aggregate
from cdx.model.order import Order, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import display_math, fmt_price
from cdx.ui.widgets.contained import contained
from cdx.ui.widgets.ladder_layout import (
    BAR_HALF,
    BAR_UNITS,
    HEADER_ROWS,
    MOVE_MARKER,
    OWN_MARKER,
    Columns,
    LadderRow,
    LadderView,
    Layout,
    RowKind,
    bucket,
    lay_out,
    own_levels,
    right,
    spread_text,
)
from cdx.ui.widgets.ladder_lines import Anchor, Gap, best, moved
from cdx.ui.widgets.row_lines import Palette, RowLines

__all__ = ["MOVE_MARKER", "OWN_MARKER", "STEPS", "Columns", "Ladder", "LadderRow", "RowKind"]

log = logging.getLogger(__name__)

STEPS: tuple[int, ...] = (0, 1, 2)
"""The depth steps a server offers (PROTOCOL.md section 5)."""


class Ladder(RowLines[LadderRow], can_focus=True):
    """Aggregated depth ladder; the cursor row is a price the user can trade at.

    Asks are above (best ask nearest the middle), bids below, with a spread line between; each
    row shows price / amount / cumulative amount and a depth bar scaled to the cumulative
    amount. Rows holding one of our open orders carry a marker; one beyond the view is pinned
    to its edge behind a gap row (how many levels are hidden, their amount). The first line is
    the step selector, the current step highlighted. The cursor starts on the best ask. A
    book it cannot lay out (see `Contained`) shows as one "display error" line until the next
    one it can.

    `step` is the one place the dashboard keeps the depth step: the user changes it here with
    `[` / `]`, and the app subscribes to what it says.
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
        Binding("up", "cursor_up", "Up", show=False, id="ladder.cursor-up"),
        Binding("down", "cursor_down", "Down", show=False, id="ladder.cursor-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="ladder.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="ladder.page-down"),
        Binding("home", "home", "Back to the spread", show=False, id="ladder.home"),
        Binding("escape", "abort_move", "Abort a move", show=False, id="ladder.abort-move"),
        Binding("enter", "pick", "Trade here", show=False, id="ladder.pick"),
        Binding(
            "left_square_bracket",
            "step(-1)",
            "Finer step",
            key_display="[",
            show=False,
            id="ladder.step-finer",
        ),
        Binding(
            "right_square_bracket",
            "step(1)",
            "Coarser step",
            key_display="]",
            show=False,
            id="ladder.step-coarser",
        ),
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
        "ladder--gap",
    }

    class PricePicked(Message):
        """Enter on a row: trade at its price; an ask row means SELL, a bid row BUY."""

        def __init__(self, side: Side, price: Decimal) -> None:
            self.side = side
            self.price = price
            super().__init__()

    class MoveAborted(Message):
        """Escape while an order is being moved (`mark_move`): the move is off."""

    class StepChanged(Message):
        """The user chose another depth step (`[` / `]`); the app should fetch that book."""

        def __init__(self, step: int, previous: int) -> None:
            self.step = step
            self.previous = previous
            super().__init__()

    step: reactive[int] = reactive(0, repaint=False, init=False)
    """The depth step the user chose, shown in the selector (0 = raw book)."""

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
        self._symbol: Symbol | None = None
        self._own_orders: tuple[Order, ...] = ()
        self._cursor: Anchor | None = None
        self._follow = True
        """The window follows the spread; False once the user paged away (Home comes back)."""
        self._cursor_row = 0
        """The cursor's row in the body when the window does not follow the spread."""
        self._layout: Layout | None = None
        self._bar_scale: Decimal | None = None
        self._move_from: Decimal | None = None

    # ------------------------------------------------------------------ public API

    def show(self, book: Book, symbol: Symbol, step: int, own_orders: Sequence[Order] = ()) -> None:
        """Display `book`, which is aggregated at `step`, of `symbol`, marking `own_orders`.

        A book of another step than the user's is shown at the user's step: aggregated when it
        is finer, "loading" when it is coarser. Safe to call many times a second: only lines
        whose content changed are repainted.
        """
        if self._symbol is not None and symbol.name != self._symbol.name:
            self._recentre(None)
            self._move_from = None
        self._book = book
        self._book_step = step
        self._symbol = symbol
        self._own_orders = tuple(own_orders)
        self._update()

    def clear(self) -> None:
        """Forget the book (e.g. while another symbol's first snapshot is on its way)."""
        self._book = None
        self._recentre(None)
        self._update()

    def mark_move(self, price: Decimal | None) -> None:
        """Mark the row an order is being moved from (None: no move under way)."""
        self._move_from = price
        self._update()

    @property
    def moving(self) -> bool:
        """An order is being moved: Enter picks its new price."""
        return self._move_from is not None

    @property
    def cursor_price(self) -> Decimal | None:
        """The price the cursor is on (kept while its level is gone), None before a book."""
        return self._cursor.price if self._cursor is not None else None

    @property
    def cursor_side(self) -> Side | None:
        """The order side the cursor row trades: SELL on an ask row, BUY on a bid row."""
        return self._cursor.side if self._cursor is not None else None

    # ------------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        """Move one price up: up the bids, across the spread, up the asks."""
        self._step_cursor(-1)

    def action_cursor_down(self) -> None:
        """Move one price down: down the asks, across the spread, down the bids."""
        self._step_cursor(1)

    def action_page(self, direction: int) -> None:
        """Move the cursor and the view a page of prices; the view then stays where it is
        (it no longer follows the spread) until Home."""
        layout = self._layout
        if layout is None or self._cursor is None:
            return
        if self._follow:
            self._follow = False
            self._cursor_row = layout.cursor_row or 0
        page = max(len(layout.slots) - 2, 1)
        self._cursor = moved(layout.column, direction * page)
        self._update()

    def action_home(self) -> None:
        """Back to the spread: the view follows it again, the cursor on its side's best price."""
        layout = self._layout
        if layout is None:
            return
        self._recentre(best(layout.column, self.cursor_side) or self._cursor)
        self._update()

    def action_abort_move(self) -> None:
        """Escape: leave a move (see `mark_move`); nothing to abort otherwise."""
        if self._move_from is not None:
            self.mark_move(None)
            self.post_message(self.MoveAborted())

    def _step_cursor(self, by: int) -> None:
        layout = self._layout
        if layout is None or self._cursor is None:
            return
        col = layout.column
        anchor = moved(col, by)
        if anchor is not None and not self._follow and col.cursor is not None:
            target = next(
                (i for i, line in enumerate(col.lines) if line.price == anchor.price), col.cursor
            )
            self._cursor_row += target - col.cursor
        self._cursor = anchor
        self._update()

    def _recentre(self, anchor: Anchor | None) -> None:
        self._cursor = anchor
        self._follow = True
        self._cursor_row = 0

    def action_pick(self) -> None:
        """Post `PricePicked` for the cursor row (nothing happens without one)."""
        price, side = self.cursor_price, self.cursor_side
        if price is None or side is None:
            self.app.bell()
            return
        self.post_message(self.PricePicked(side, price))

    def action_step(self, delta: int) -> None:
        """Switch to a finer (-1) or coarser (+1) step and tell the app to fetch that book."""
        previous = self.step
        self.step = min(max(previous + delta, STEPS[0]), STEPS[-1])
        if self.step != previous:
            self.post_message(self.StepChanged(self.step, previous))

    def watch_step(self, previous: int, step: int) -> None:
        """The cursor moves to the bucket its price falls in at the new step."""
        if self._cursor is not None and self._symbol is not None:
            side, price = self._cursor.side, self._cursor.price
            self._cursor = Anchor(side, bucket(side, price, self._symbol, step))
        self._update()

    def on_resize(self, event: events.Resize) -> None:
        self._update()

    def on_click(self, event: events.Click) -> None:
        """A click on a price row moves the cursor there and picks it, as Enter would."""
        layout = self._layout
        row = event.y - HEADER_ROWS
        if layout is None or not 0 <= row < len(layout.slots):
            return
        slot = layout.slots[row]
        if slot is None or isinstance(slot, Gap):
            return
        line = layout.column.lines[slot]
        if line.side is None or line.price is None:
            return
        self._cursor = Anchor(line.side, line.price)
        self._cursor_row = row
        self._update()
        self.action_pick()

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

    def _view(self) -> LadderView:
        """What to show, before it is fitted to the widget's size."""
        symbol, step = self._symbol, self.step
        book = self._display_book()
        size = (
            ""
            if symbol is None
            else f"by {fmt_price(symbol.step_size(step), symbol.step_decimals(step))}"
        )
        selector = LadderRow(RowKind.SELECTOR, step=step, text=size)
        loading = "waiting for depth…" if self._book is None else f"loading step{step}…"
        if symbol is None:
            return LadderView(book, selector, spread_text(book, 2, loading), cursor=self._cursor)
        decimals = symbol.step_decimals(step)
        return LadderView(
            book,
            selector,
            spread_text(book, decimals, loading),
            price_decimals=decimals,
            amount_decimals=symbol.amount_precision,
            own=own_levels(self._own_orders, symbol, step),
            cursor=self._cursor,
            follow=self._follow,
            cursor_row=self._cursor_row,
            move_from=self._move_from,
            bar_scale=self._bar_scale,
        )

    def lay_out_at(self, width: int, height: int) -> Layout:
        """The rows at this size; arithmetic on server values cannot trap here."""
        with display_math():
            return lay_out(self._view(), width, height)

    @contained
    def _update(self) -> None:
        """Lay out the rows for the current size and repaint the lines that changed."""
        if not self.is_mounted:
            return
        layout = self.lay_out_at(*self.size)
        self._layout = layout
        self._cursor = layout.cursor
        if layout.cursor_row is not None:
            self._cursor_row = layout.cursor_row
        self._bar_scale = layout.bar_scale
        self.set_rows(layout.rows, layout.columns)

    # ------------------------------------------------------------------ drawing

    def draw_row(self, row: LadderRow, width: int, palette: Palette) -> Strip:
        if row.kind is RowKind.SELECTOR:
            return self._draw_selector(row, width, palette)
        if row.kind is RowKind.SPREAD:
            text = f" {row.text} "
            pad = max(width - len(text), 0)
            line = "─" * (pad // 2) + text + "─" * (pad - pad // 2)
            return Strip([Segment(line[:width], palette["ladder--spread"])])
        if row.kind is RowKind.EMPTY:
            return Strip([Segment(" " * width, palette["ladder--empty"])])
        columns = self.row_layout
        assert isinstance(columns, Columns)
        if row.kind is RowKind.GAP:
            return self._draw_gap(row, columns, palette)
        if row.kind is RowKind.COLUMNS:
            cells = ["  ", right("Price", columns.price), " ", right("Amount", columns.amount)]
            if columns.total:
                cells += [" ", right("Total", columns.total)]
            return Strip([Segment("".join(cells), palette["ladder--columns"])])
        return self._draw_level(row, columns, palette)

    def _draw_level(self, row: LadderRow, columns: Columns, palette: Palette) -> Strip:
        base = palette.base
        is_ask = row.kind is RowKind.ASK
        side_style = palette["ladder--ask" if is_ask else "ladder--bid"]
        amount_style = palette["ladder--amount"]
        own_style = palette["ladder--own"]
        marker = MOVE_MARKER if row.moving else OWN_MARKER if row.own else " "
        segments = [
            Segment(marker, own_style if marker != " " else base),
            Segment(" ", base),
            Segment(
                right(row.price, columns.price), side_style + own_style if row.own else side_style
            ),
            Segment(" ", base),
            Segment(right(row.amount, columns.amount), amount_style),
        ]
        if columns.total:
            segments += [Segment(" ", base), Segment(right(row.total, columns.total), amount_style)]
        if columns.bar:
            full, part = divmod(row.bar, BAR_UNITS)
            bar = "█" * full + (BAR_HALF if part else "")
            bar_style = palette["ladder--ask-bar" if is_ask else "ladder--bid-bar"]
            segments += [Segment(" ", base), Segment(bar.ljust(columns.bar), bar_style)]
        if row.cursor:
            # Focus is part of the line's key, so this choice is cached correctly.
            overlay = palette["ladder--cursor"] if self.has_focus else Style(reverse=True)
            segments = [
                Segment(seg.text, seg.style + overlay if seg.style else overlay) for seg in segments
            ]
        return Strip(segments)

    def _draw_gap(self, row: LadderRow, columns: Columns, palette: Palette) -> Strip:
        """`⋯ 12 levels  3.450000  29.750000`: the hidden levels' count, amount and the
        cumulative total at their far end, so the totals above and below still add up."""
        style = palette["ladder--gap"]
        cells = ["⋯ ", right(row.price, columns.price), " ", right(row.amount, columns.amount)]
        if columns.total:
            cells += [" ", right(row.total, columns.total)]
        return Strip([Segment("".join(cells), style)])

    def _draw_selector(self, row: LadderRow, width: int, palette: Palette) -> Strip:
        style = palette["ladder--selector"]
        current = palette["ladder--step-current"]
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
