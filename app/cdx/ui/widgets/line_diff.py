"""Repainting only the lines of a Line-API widget whose row changed (STYLE.md section 1).

The ladder and the trades tape repaint many times a second; each keeps the rows it last drew
(values that compare equal when they draw the same line) and hands old and new rows here.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.geometry import Region
from textual.widget import Widget


def refresh_changed(
    widget: Widget, old: Sequence[object], new: Sequence[object], *, full: bool
) -> bool:
    """Refresh the lines whose row differs; everything when `full` or the row count changed.

    Returns True for a full refresh, so the caller can drop the strips it cached.
    """
    if full or len(old) != len(new):
        widget.refresh()
        return True
    width = widget.size.width
    for y, (before, after) in enumerate(zip(old, new, strict=True)):
        if before != after:
            widget.refresh(Region(0, y, width, 1))
    return False
