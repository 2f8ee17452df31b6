"""How the account commands print: aligned plain-text tables, or JSON.

Plain text so scripts can `awk` it: one row a line, columns split by runs of spaces. Cells are
already `printable` (server strings escaped); widths are terminal columns, so a wide coin name
keeps the columns after it in line.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any, TextIO

from cdx.commands.printable import cell_width, ljust, rjust


def print_table(
    out: TextIO,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Collection[int],
) -> None:
    """Aligned columns; the `numeric` ones (by index) right-aligned, the others left."""
    widths = [
        max(cell_width(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)
    ]
    for row in [list(header), *rows]:
        cells = [
            rjust(cell, width) if i in numeric else ljust(cell, width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip(), file=out)


def print_json(out: TextIO, value: Any) -> None:
    json.dump(value, out, indent=2)
    out.write("\n")
