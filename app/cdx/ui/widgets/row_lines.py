"""A Line-API widget drawn from rows, each line cached under everything it depends on.

The ladder and the trades tape repaint many times a second. Each lays out its content as rows
(frozen values that compare equal exactly when they draw the same line) plus a layout value
(column widths); this base refreshes only the cells of the lines whose row changed (the
spans where the new line differs from the old) and draws a line only when its cache key is
new. The key holds the row, the width, the layout, the focus and the resolved styles, so a
change of any of them is a different key and nothing ever has to clear the cache: old
entries simply age out of the LRU (the shape of Textual's `DataTable`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from typing import ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from cdx.ui.widgets.contained import Contained

RowT = TypeVar("RowT", bound=Hashable)

LINE_CACHE_SIZE = 512
"""Lines kept: a few screens' worth, so a row that comes back (a price level) is a hit."""

SPAN_GAP = 8
"""Changed cells this close together are repainted as one span: moving the terminal's cursor
past the unchanged cells between them costs about as many bytes as rewriting them."""


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

    @classmethod
    def of(cls, widget: Widget, partial: Collection[str] = ()) -> Palette:
        """`widget`'s base style and every component class it declares, as styled now (the
        names in `partial` resolved as partial styles, to lay over another)."""
        return cls(
            widget.rich_style,
            (
                (name, widget.get_component_rich_style(name, partial=name in partial))
                for name in sorted(widget.COMPONENT_CLASSES)
            ),
        )

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
            self._palette = Palette.of(self, self.PARTIAL_STYLES)
        return self._palette

    def set_rows(self, rows: Sequence[RowT], layout: Hashable) -> None:
        """Show `rows`; repaint the cells that changed (everything for a new layout).

        Only the spans of a line whose characters or styles differ are refreshed, so Textual
        writes those cells alone: an amount that moves in its last digit costs the terminal
        a cursor move and a few characters, not the whole line. All of them in one refresh:
        each refresh call clears the widget's cached styles and dimensions again.
        """
        new = tuple(rows)
        old, old_layout = self._rows, self._row_layout
        self._rows, self._row_layout = new, layout
        if layout != old_layout or len(new) != len(old):
            self.refresh()
            return
        changed = [
            (y, before, after)
            for y, (before, after) in enumerate(zip(old, new, strict=True))
            if before != after
        ]
        if not changed:
            return
        line = self._drawer()
        regions = [
            Region(start, y, end - start, 1)
            for y, before, after in changed
            for start, end in changed_spans(line(before), line(after))
        ]
        if regions:
            self.refresh(*regions)
            # Textual also adds them to a set only its own `render_line` reads and clears
            # (a widget's `render()` cache); a Line-API widget never does, so it grew with
            # every new span for as long as the dashboard ran (the ladder: 1,500 in its first
            # minute at ten times a normal market, still growing).
            self._dirty_regions.clear()

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
        if y >= len(self._rows):
            return Strip.blank(self.size.width, self.palette.base)
        return self._drawer()(self._rows[y])

    def _drawer(self) -> Callable[[RowT], Strip]:
        """A row drawn at the current width, layout, focus and styles (from the cache).

        The width and the rest of the key are looked up once per call of this, not once per
        row: `Widget.size` walks up to the screen for the widget's region.
        """
        width = self.size.width
        palette = self.palette
        layout, focus, lines = self._row_layout, self.has_focus, self._lines

        def line(row: RowT) -> Strip:
            key = (row, width, layout, focus, palette)
            strip = lines.get(key)
            if strip is None:
                strip = lines[key] = fitted(self.draw_row(row, width, palette), width, palette.base)
            return strip

        return line

    def draw_row(self, row: RowT, width: int, palette: Palette) -> Iterable[Segment]:
        """One row as a line (a `Strip` or its segments) at most `width` cells wide (padded
        by the caller)."""
        raise NotImplementedError


def fitted(segments: Iterable[Segment], width: int, pad: Style) -> Strip:
    """`segments` as one simplified strip of exactly `width` cells, padded in `pad`: what
    `Strip.crop_extend(...).simplify()` gives, without the strips in between."""
    line = list(segments)
    length = sum(cell_len(text) for text, _, _ in line)
    if length > width:
        return Strip(line).crop_extend(0, width, pad).simplify()
    if length < width:
        line.append(Segment(" " * (width - length), pad))
    return Strip(Segment.simplify(line), width)


def _cells(strip: Strip) -> list[tuple[str, Style | None]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


def changed_spans(before: Strip, after: Strip) -> list[tuple[int, int]]:
    """[start, end) cell ranges where `after` differs from `before` in character or style,
    spans closer than `SPAN_GAP` merged. Lines are one cell per character (the widgets draw
    no wide characters)."""
    if before is after:
        return []
    old, new = list(before), list(after)
    if len(old) == len(new) and all(
        len(was.text) == len(now.text) for was, now in zip(old, new, strict=True)
    ):
        changed = _changed_cells_by_segment(old, new)
    else:
        cells_before, cells_after = _cells(before), _cells(after)
        if len(cells_before) != len(cells_after):
            return [(0, max(len(cells_before), len(cells_after)))]
        changed = [
            x
            for x, (was, now) in enumerate(zip(cells_before, cells_after, strict=True))
            if was != now
        ]
    spans: list[tuple[int, int]] = []
    for x in changed:
        if spans and x - spans[-1][1] < SPAN_GAP:
            spans[-1] = (spans[-1][0], x + 1)
        else:
            spans.append((x, x + 1))
    return spans


def _changed_cells_by_segment(old: list[Segment], new: list[Segment]) -> list[int]:
    """The changed cells of two lines cut into segments of the same lengths: a segment that is
    equal (the common case: a price, a marker) is skipped whole."""
    changed: list[int] = []
    x = 0
    for was, now in zip(old, new, strict=True):
        text = was.text
        if was != now:
            if was.style != now.style:
                changed.extend(range(x, x + len(text)))
            else:
                changed.extend(
                    x + i for i, (a, b) in enumerate(zip(text, now.text, strict=True)) if a != b
                )
        x += len(text)
    return changed
