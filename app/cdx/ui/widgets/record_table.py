"""A read-only table of records the exchange lists (orders of the past, fills), newest first.

The History and Fills tabs of the orders panel show one page of `allOrders` / `myTrades`.
Both are the same kind of table: rows keyed by the record's id, rebuilt only when a row
changed, the cursor kept on its record across a refresh. Subclasses name the columns and
turn one record into cells (`Text`, never markup: every value came from a server).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from cdx.model.symbol import Symbol
from cdx.ui.format import display_math
from cdx.ui.widgets.contained import Contained, contained
from cdx.ui.widgets.table_columns import Row, natural_widths, rebuild

RecordT = TypeVar("RecordT")


class RecordTable(Contained, DataTable[Text], Generic[RecordT]):
    """Rows of records, newest first; `show` replaces them, `show_problem` says why not."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    EMPTY: ClassVar[str] = ""
    """The subtitle while nothing is listed (after a read)."""
    STRETCH: ClassVar[str] = ""
    """The last column a trader needs first: it widens to the panel's edge, so the columns
    after it start off-screen (whole, by scrolling sideways) instead of cut at the edge."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=False, cell_padding=0
        )
        self._rows: list[Row] = []
        self._widths: list[int] = []

    def on_mount(self) -> None:
        self._lay_out()
        self.border_subtitle = "loading…"

    @contained
    def show(self, records: Sequence[RecordT], symbol: Symbol | None) -> None:
        """Show `records` (newest first); repaints only when a row changed."""
        rows: list[Row] = []
        seen: set[str] = set()
        with display_math():
            for record in records:
                key = self.key_of(record)
                if key not in seen:  # a server that lists one record twice: shown once
                    seen.add(key)
                    rows.append((key, self.cells(record, symbol)))
        self.border_subtitle = f"{len(rows)}" if rows else self.EMPTY
        if rows == self._rows:
            return
        self._rows = rows
        self._lay_out(force=True)

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self, force: bool = False) -> None:
        """Rebuild the table at widths that fit its rows, the STRETCH column widened to the
        edge of the visible width (see STRETCH); only when something changed, unless
        `force`d, keeping the cursor on its record."""
        widths = natural_widths(self.COLUMNS, self._rows)
        if self.STRETCH and self.is_mounted:
            last = self.COLUMNS.index(self.STRETCH)
            room = self.scrollable_content_region.width
            widths[last] += max(0, room - sum(widths[: last + 1]))
        if not force and widths == self._widths:
            return
        selected = self._rows[self.cursor_row][0] if self._cursor_valid() else None
        self._widths = widths
        rebuild(self, self.COLUMNS, widths, self._rows)
        for index, (key, _) in enumerate(self._rows):
            if key == selected:
                self.move_cursor(row=index)
                break

    def show_problem(self, reason: str) -> None:
        """A read failed: the rows already shown stay, the subtitle says so."""
        self.border_subtitle = reason

    def reset(self) -> None:
        """Forget the rows (another symbol is shown now)."""
        self._rows = []
        self._lay_out(force=True)
        self.border_subtitle = "loading…"

    def _cursor_valid(self) -> bool:
        return bool(self._rows) and 0 <= self.cursor_row < len(self._rows)

    def key_of(self, record: RecordT) -> str:
        raise NotImplementedError

    def cells(self, record: RecordT, symbol: Symbol | None) -> tuple[Text, ...]:
        raise NotImplementedError
