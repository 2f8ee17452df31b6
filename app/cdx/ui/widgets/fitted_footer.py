"""A footer that shows whole keys only, the most useful first, as many as fit the width.

Textual's `Footer` lays its keys out in a row and cuts the row at the terminal's edge, so at
80 columns a trader read `B Mkt buy S M`. This one orders the keys by the dashboard's own
order (`cdx.ui.keys.DASHBOARD_BINDINGS`: Help, Quit, Panels first) and leaves out, whole, the
keys that would not fit; every key stays in `?` help and the command palette.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

KEY_GAP = 1
"""The compact footer's margin after each key."""


def key_width(key_display: str, description: str) -> int:
    """The cells a compact footer key takes, its margin included: `? Help `."""
    words = f" {description}" if description else ""
    return cell_len(key_display) + cell_len(words) + KEY_GAP


def fitting(widths: Sequence[int], room: int) -> list[bool]:
    """Which keys, taken in order, fit in `room` cells: a key that does not fit is left
    out and a later, shorter one may still take the room."""
    shown: list[bool] = []
    for width in widths:
        fits = width <= room
        if fits:
            room -= width
        shown.append(fits)
    return shown


class FittedFooter(Footer):
    """The key line: whole keys, in priority order, never one cut at the edge."""

    def __init__(self, order: Iterable[BindingType], **kwargs: bool) -> None:
        super().__init__(**kwargs)
        actions = [binding.action for binding in Binding.make_bindings(order)]
        self._rank = {action: index for index, action in enumerate(actions)}
        self._width = 0

    only: tuple[Binding, ...] = ()
    """Keys shown instead of the focused widget's and the app's, while set (a dialog drawn
    over the dashboard owns every key: `ConfirmDialog`)."""

    def show_only(self, bindings: Iterable[Binding]) -> None:
        """Show `bindings` alone (none: the usual keys again), after the next frame: the
        footer is redone whole, which the frame the user waits for need not wait for."""
        self.only = tuple(bindings)
        # Recomposed from the footer's own queue: its keys bind to it (`data_bind`).
        self.call_after_refresh(self.call_later, self.recompose)

    def compose(self) -> ComposeResult:
        if self.only:
            for binding in self.only:
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                ).data_bind(compact=Footer.compact)
            return
        keys = [widget for widget in super().compose() if isinstance(widget, FooterKey)]
        # Keys the dashboard ranks come first, in its order; others (a panel's own) after.
        keys.sort(key=lambda key: self._rank.get(key.action, len(self._rank)))
        room = self.size.width or self.app.size.width
        self._width = room
        widths = [key_width(key.key_display, key.description) for key in keys]
        for key, shown in zip(keys, fitting(widths, room), strict=True):
            if shown:
                yield key

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.call_after_refresh(self.recompose)

    def shown_keys(self) -> list[tuple[str, str]]:
        """(key, description) of the keys on show, left to right (for tests and checks)."""
        children: list[Widget] = list(self.query(FooterKey))
        return [
            (key.key_display, key.description) for key in children if isinstance(key, FooterKey)
        ]
