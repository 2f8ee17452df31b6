"""Tables whose column widths we give, never the ones Textual measures later.

A `DataTable` measures new and updated cells when it is next idle, but a frame drawn before
that is cached under the same update count and keeps the old widths: a row that grew a second
line showed `fille` and `@26,998.6` until something else redrew it (seen under load at 80x24).
Widths computed from the rows before they are added leave nothing to measure afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

Row = tuple[str, tuple[Text, ...]]
"""A row's key and its cells."""


def labels_of(names: Sequence[str]) -> list[str]:
    """Column labels: a space before every column but the first, as the cells have."""
    return [name if index == 0 else f" {name}" for index, name in enumerate(names)]


def cell_width(cell: Text) -> int:
    """The cells the widest line of `cell` takes."""
    return max(cell_len(line) for line in cell.plain.split("\n"))


def natural_widths(names: Sequence[str], rows: Sequence[Row]) -> list[int]:
    """Each column as wide as its label and its widest cell."""
    labels = labels_of(names)
    return [
        max([cell_len(label)] + [cell_width(cells[index]) for _, cells in rows])
        for index, label in enumerate(labels)
    ]


def row_height(cells: tuple[Text, ...]) -> int:
    """As many lines as the cell with the most."""
    return max(cell.plain.count("\n") + 1 for cell in cells)


def rebuild(
    table: DataTable[Text], names: Sequence[str], widths: Sequence[int], rows: Sequence[Row]
) -> None:
    """Replace the columns (at `widths`) and the rows of `table`, keyed by column name."""
    table.clear(columns=True)
    for name, label, width in zip(names, labels_of(names), widths, strict=True):
        table.add_column(label, key=name, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=key, height=row_height(cells))
