"""A Line-API widget drawn from rows, each line cached under everything it depends on.

The ladder and the trades tape repaint many times a second. Each lays out its content as rows
(frozen values that compare equal exactly when they draw the same line) plus a layout value
(column widths); this base refreshes only the lines whose row changed and draws a line only
when its cache key is new. The key holds the row, the width, the layout, the focus and the
resolved styles, so a change of any of them is a different key and nothing ever has to clear
the cache: old entries simply age out of the LRU (the shape of Textual's `DataTable`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import ClassVar, Generic, TypeVar

from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from cdx.ui.widgets.contained import Contained

RowT = TypeVar("RowT", bound=Hashable)

LINE_CACHE_SIZE = 512
"""Lines kept: a few screens' worth, so a row that comes back (a price level) is a hit."""


class Palette:
    """The widget's base style and its component styles, resolved once per style change.

    Hashable and compared by value, so it can stand in a line's cache key: a theme switch or
    a focus change that restyles the widget gives a different palette, hence different keys.
    """

    __slots__ = ("_hash", "_key", "_styles", "base")

    def __init__(self, base: Style, styles: Iterable[tuple[str, Style]]) -> None:
        self.base = base
        self._styles = dict(styles)
        self._key = (base, *sorted(self._styles.items(), key=lambda item: item[0]))
        self._hash = hash(self._key)

    def __getitem__(self, name: str) -> Style:
        return self._styles[name]

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Palette) and self._key == other._key


class RowLines(Contained, Widget, Generic[RowT]):
    """Base of a widget that shows one row per line; subclasses implement `draw_row`.

    A subclass lays out its rows and calls `set_rows(rows, layout)`; `layout` is a hashable
    value of everything besides the row that the drawing reads (column widths). Lines past the
    last row are blank. Component classes named in `PARTIAL_STYLES` are resolved as partial
    styles (to lay over others, like a cursor), the rest as full styles.
    """

    PARTIAL_STYLES: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: tuple[RowT, ...] = ()
        self._row_layout: Hashable = None
        self._lines: LRUCache[Hashable, Strip] = LRUCache(LINE_CACHE_SIZE)
        self._palette: Palette | None = None

    @property
    def rows(self) -> tuple[RowT, ...]:
        """The rows as last laid out, top to bottom (what is on screen)."""
        return self._rows

    @property
    def row_layout(self) -> Hashable:
        """The layout value given with the rows (what `draw_row` reads besides the row)."""
        return self._row_layout

    @property
    def palette(self) -> Palette:
        """The styles to draw in, resolved on first use after a style change."""
        if self._palette is None:
            partial = self.PARTIAL_STYLES
            self._palette = Palette(
                self.rich_style,
                (
                    (name, self.get_component_rich_style(name, partial=name in partial))
                    for name in sorted(self.COMPONENT_CLASSES)
                ),
            )
        return self._palette

    def set_rows(self, rows: Sequence[RowT], layout: Hashable) -> None:
        """Show `rows`; repaint the lines whose row changed (all of them for a new layout)."""
        new = tuple(rows)
        old, old_layout = self._rows, self._row_layout
        self._rows, self._row_layout = new, layout
        if layout != old_layout or len(new) != len(old):
            self.refresh()
            return
        width = self.size.width
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                self.refresh(Region(0, y, width, 1))

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus, CSS): the palette is resolved again on next use, and
        with it every line's key changes."""
        super().notify_style_update()
        self._palette = None
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()  # focus is part of each line's key

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        palette = self.palette
        if y >= len(self._rows):
            return Strip.blank(width, palette.base)
        row = self._rows[y]
        key = (row, width, self._row_layout, self.has_focus, palette)
        strip = self._lines.get(key)
        if strip is None:
            drawn = self.draw_row(row, width, palette)
            strip = drawn.crop_extend(0, width, palette.base).simplify()
            self._lines[key] = strip
        return strip

    def draw_row(self, row: RowT, width: int, palette: Palette) -> Strip:
        """One row as a line at most `width` cells wide (padded by the caller)."""
        raise NotImplementedError
