"""Textual's compositor, except that a partial update renders only the lines it writes.

For a frame that updates a few lines, Textual's compositor takes the rectangle around every
changed region and asks each widget that overlaps that rectangle for all of its visible lines,
then keeps those the frame writes. On the dashboard the rectangle is most of the screen in
most frames (the ticker's line at the top and the status bar's at the bottom change together),
so every panel handed over every line several times a second: in a profile of a normal market
over half of the UI's CPU was this, most of it for lines no frame wrote.

`LineCompositor.render_partial_update` asks each widget only for the runs of lines, within its
visible region, that a changed region crosses, and assembles the frame exactly as Textual does
(front to back, the first piece for each cut wins). Full updates (a resize, a new screen) are
Textual's own. This reads the compositor's private state (`cuts`, `visible_widgets`,
`_dirty_regions`) of the Textual version pinned in pyproject.toml; the screens of the tests
(snapshots, the cell-by-cell terminal checks) are drawn through it.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

Spans = dict[int, list[tuple[int, int]]]
"""Changed columns by line: y -> [(x1, x2 exclusive)]."""


def runs(lines: list[int]) -> Iterator[tuple[int, int]]:
    """Contiguous runs of sorted line numbers, as (first, end exclusive)."""
    start = previous = None
    for y in lines:
        if start is None:
            start = previous = y
        elif y == previous + 1:
            previous = y
        else:
            yield start, previous + 1
            start = previous = y
    if start is not None and previous is not None:
        yield start, previous + 1


class LineCompositor(Compositor):
    """A compositor whose partial updates render only the lines they write."""

    def render_partial_update(self) -> ChopsUpdate | None:
        regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not regions:
            return None
        screen = self.size.region
        spans = [span for span in self._regions_to_spans(regions) if 0 <= span[0] < screen.height]
        if not spans:
            return None
        changed: Spans = {}
        for y, x1, x2 in spans:
            changed.setdefault(y, []).append((x1, x2))
        chops = self._render_changed(changed)
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def _render_changed(self, changed: Spans) -> list[dict[int, Strip | None]]:
        """The chops of the changed lines: as Textual's `_render_chops`, widget by widget
        front to back, each asked only for the changed lines it covers."""
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            x, top, width, height = shown
            if not (width and height):
                continue
            end = x + width
            lines = [
                y
                for y in range(top, top + height)
                if any(x1 < end and x2 > x for x1, x2 in changed.get(y, ()))
            ]
            for first, stop in runs(lines):
                crop = Region(x - region.x, first - region.y, width, stop - first)
                strips = widget.render_lines(crop)
                for y, strip in zip(range(first, stop), strips, strict=False):
                    line = chops[y]
                    at = [cut for cut in cuts[y] if end >= cut >= x]
                    pieces = strip.divide([cut - x for cut in at[1:]])
                    for cut, piece in zip(at, pieces, strict=False):
                        if line.get(cut) is None:
                            line[cut] = piece
        return chops
