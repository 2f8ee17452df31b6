"""What the terminal shows, cell by cell: the shadow `CellDiff` compares Textual's frames with.

Kept row by row, as a list of characters and a list of SGR parameters per row, so the common
question of a frame, "does this run of text change anything?", is answered by comparing two
slices (in C) rather than by a dictionary lookup per cell: most of what Textual repaints is
text the terminal already shows (a line is redrawn for one changed amount).
"""

from __future__ import annotations

Cell = tuple[str, str]
"""(text, SGR parameters in force); a wide character's second cell is ("", sgr)."""

MAX_COLUMN = 4096
"""Cells at or beyond this column (or at a negative position) are kept in a dictionary
instead of the rows: a malformed cursor move must not grow a row to millions of entries."""


class Shadow:
    """Cells by (x, y), with `holds` to test a run of one-cell characters at once."""

    def __init__(self) -> None:
        self._chars: dict[int, list[str | None]] = {}
        self._sgrs: dict[int, list[str]] = {}
        self._odd: dict[tuple[int, int], Cell] = {}
        """Cells outside the rows (see `MAX_COLUMN`)."""

    def clear(self) -> None:
        self._chars.clear()
        self._sgrs.clear()
        self._odd.clear()

    def row(self, y: int, end: int) -> tuple[list[str | None], list[str]] | None:
        """Row `y`'s characters (None: unknown) and SGRs, long enough to index below `end`;
        None when cells up to `end` are not kept in rows."""
        if y < 0 or end > MAX_COLUMN:
            return None
        chars = self._chars.get(y)
        if chars is None:
            chars = self._chars[y] = []
            sgrs = self._sgrs[y] = []
        else:
            sgrs = self._sgrs[y]
        if len(chars) < end:
            grow = end - len(chars)
            chars.extend([None] * grow)
            sgrs.extend([""] * grow)
        return chars, sgrs

    def holds(self, x: int, y: int, text: str, sgr: str) -> bool:
        """Whether the terminal already shows `text` (one cell a character) at (x, y) in `sgr`."""
        chars = self._chars.get(y)
        end = x + len(text)
        if chars is None or x < 0 or len(chars) < end:
            return False
        return chars[x:end] == list(text) and self._sgrs[y][x:end] == [sgr] * len(text)

    def get(self, at: tuple[int, int], default: Cell | None = None) -> Cell | None:
        x, y = at
        if x < 0 or x >= MAX_COLUMN or y < 0:
            return self._odd.get(at, default)
        chars = self._chars.get(y)
        if chars is None or x >= len(chars) or (char := chars[x]) is None:
            return default
        return char, self._sgrs[y][x]

    def __setitem__(self, at: tuple[int, int], cell: Cell) -> None:
        x, y = at
        row = self.row(y, x + 1) if x >= 0 else None
        if row is None:
            self._odd[at] = cell
            return
        row[0][x], row[1][x] = cell

    def pop(self, at: tuple[int, int], default: Cell | None = None) -> Cell | None:
        cell = self.get(at)
        if cell is None:
            return default
        x, y = at
        if x < 0 or x >= MAX_COLUMN or y < 0:
            return self._odd.pop(at)
        self._chars[y][x] = None
        return cell
