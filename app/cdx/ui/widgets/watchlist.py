"""The watchlist: a few symbols with their last price and 24 h change; Enter switches to one.

Tickers arrive with every push, so the watchlist is a `RowLines` widget like the ladder: only
lines whose row changed are repainted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from cdx.model.market import Ticker
from cdx.model.symbol import Symbol
from cdx.ui.format import display_math, fmt_pct, fmt_price, fmt_text
from cdx.ui.widgets.contained import contained
from cdx.ui.widgets.row_lines import Palette, RowLines

log = logging.getLogger(__name__)

CURRENT_MARKER = "▸"
NAME_WIDTH = 16
"""A longer symbol name (a server's choice) is cut, marked with `…`."""


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One drawn line: `sign` is the change's sign (-1, 0, +1)."""

    name: str
    last: str = ""
    change: str = ""
    sign: int = 0
    current: bool = False
    cursor: bool = False


class Watchlist(RowLines[WatchRow], can_focus=True):
    """One row per symbol: name, last price, change % coloured by sign.

    The symbol on screen (`current`) is marked; with focus, up/down move a cursor and Enter
    posts `Watchlist.Selected`.
    """

    DEFAULT_CSS = """
    Watchlist {
        height: auto;
        min-width: 16;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="watchlist.cursor-up"),
        Binding("down", "cursor_down", "Down", show=False, id="watchlist.cursor-down"),
        Binding("enter", "select", "Open symbol", id="watchlist.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "watchlist--name",
        "watchlist--last",
        "watchlist--up",
        "watchlist--down",
        "watchlist--flat",
        "watchlist--current",
        "watchlist--cursor",
    }
    PARTIAL_STYLES: ClassVar[frozenset[str]] = frozenset({"watchlist--cursor"})

    class Selected(Message):
        """Enter on a row: show `symbol` (its lower-case name, as the wire spells it)."""

        def __init__(self, symbol: str) -> None:
            self.symbol = symbol
            super().__init__()

    current: reactive[str] = reactive("", repaint=False, init=False)
    """The name of the symbol on screen; its row is marked."""

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """Index of the row Enter selects."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._symbols: tuple[Symbol, ...] = ()
        self._tickers: dict[str, Ticker] = {}

    def set_symbols(self, symbols: Sequence[Symbol]) -> None:
        """The symbols to list, in this order (tickers already received are kept)."""
        self._symbols = tuple(symbols)
        self.cursor = min(self.cursor, max(len(self._symbols) - 1, 0))
        self._update()
        self.refresh(layout=True)

    def update_ticker(self, ticker: Ticker) -> None:
        """A fresh ticker for one of the symbols (others are ignored)."""
        self._tickers[ticker.symbol] = ticker
        self._update()

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(symbol.name for symbol in self._symbols)

    def validate_cursor(self, cursor: int) -> int:
        return min(max(cursor, 0), max(len(self._symbols) - 1, 0))

    def watch_cursor(self) -> None:
        self._update()

    def watch_current(self) -> None:
        self._update()

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_select(self) -> None:
        """Post `Selected` for the cursor row."""
        if self._symbols:
            self.post_message(self.Selected(self._symbols[self.cursor].name))

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < len(self._symbols):
            self.cursor = event.y
            self.action_select()

    def on_focus(self) -> None:
        """Start from the symbol on screen, where the user's eyes already are."""
        names = self.symbols
        if self.current in names:
            self.cursor = names.index(self.current)
        self._update()

    def on_blur(self) -> None:
        self._update()

    def on_resize(self, event: events.Resize) -> None:
        self._update()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self._symbols), 1)

    def _layout(self, width: int) -> list[WatchRow]:
        """The rows at this width; arithmetic on server values cannot trap here."""
        with display_math():
            return self._layout_rows(width)

    def _layout_rows(self, width: int) -> list[WatchRow]:
        rows: list[WatchRow] = []
        # The name and the price share the row; the change goes first when they do not fit.
        names = max((min(len(s.name), NAME_WIDTH) for s in self._symbols), default=0)
        price_room = max(width - 2 - names, 0)
        for index, symbol in enumerate(self._symbols):
            ticker = self._tickers.get(symbol.name)
            rows.append(
                WatchRow(
                    fmt_text(symbol.name.upper(), NAME_WIDTH),
                    fmt_price(ticker.last, symbol.price_precision, width=price_room)
                    if ticker
                    else "—",
                    fmt_pct(ticker.rose) if ticker else "",
                    _sign(ticker.rose) if ticker else 0,
                    current=symbol.name == self.current,
                    cursor=index == self.cursor and self.has_focus,
                )
            )
        return rows

    @contained
    def _update(self) -> None:
        if not self.is_mounted:
            return
        self.set_rows(self._layout(self.size.width), None)

    def draw_row(self, row: WatchRow, width: int, palette: Palette) -> Strip:
        base = palette.base
        change_style = palette[
            {1: "watchlist--up", -1: "watchlist--down"}.get(row.sign, "watchlist--flat")
        ]
        name_style = palette["watchlist--current" if row.current else "watchlist--name"]
        marker = CURRENT_MARKER if row.current else " "
        left = f"{marker}{row.name}"
        right_change = f" {row.change}" if row.change else ""
        right = f"{row.last}{right_change}"
        if len(left) + 1 + len(right) > width:
            right = row.last  # narrow: the change goes first
            right_change = ""
        gap = max(width - len(left) - len(right), 1)
        segments = [
            Segment(left, name_style),
            Segment(" " * gap, base),
            Segment(row.last, palette["watchlist--last"]),
        ]
        if right_change:
            segments.append(Segment(right_change, change_style))
        if row.cursor:
            overlay = palette["watchlist--cursor"]
            segments = [Segment(s.text, (s.style or Style()) + overlay) for s in segments]
        return Strip(segments)


def _sign(value: Decimal) -> int:
    """-1, 0 or +1; 0 for a value that is not a number (never shown as a direction)."""
    if not value.is_finite():
        return 0
    return (value > 0) - (value < 0)
