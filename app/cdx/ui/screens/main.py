"""The dashboard's own screen: Textual's, except that a change of focus repaints nothing and a
frame renders only the lines it writes (`cdx.ui.line_compositor`).

Textual's screen repaints itself whole when its focused widget changes. The dashboard moves
the focus on many keys (a placed order focuses the orders table, Escape the ladder, `b` the
form), and each of those keys paid for composing every cell of the screen again before its
frame. What a change of focus changes on screen is drawn anyway: the widgets that gain and
lose the focus restyle and refresh themselves (`:focus` rules, the panels' `FocusBorder`),
and the footer is redone from the new bindings.

While the confirmation dialog is open, a click on the dashboard behind it does nothing (a
click on the ladder picks a price, on the watchlist switches the symbol): the dialog is drawn
over the screen, not on a screen of its own, so this screen holds such clicks back itself.
"""

from __future__ import annotations

from textual import events
from textual.errors import NoWidget
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from cdx.ui.line_compositor import LineCompositor
from cdx.ui.widgets.confirm_dialog import ConfirmDialog
from cdx.ui.widgets.fitted_footer import FittedFooter

PRESSES = (
    events.MouseDown,
    events.MouseUp,
    events.Click,
    events.MouseScrollDown,
    events.MouseScrollUp,
)
"""Mouse events that act on a widget."""


class MainScreen(Screen[None]):
    """The dashboard's screen (see the module's docstring), composed by `LineCompositor`."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        self._compositor = LineCompositor()

    def _forward_event(self, event: events.Event) -> None:
        if isinstance(event, PRESSES) and not event.is_forwarded and self._held_back(event):
            return  # a click behind the confirmation does nothing, as a key there would
        super()._forward_event(event)

    def _held_back(self, event: events.MouseEvent) -> bool:
        """Whether the open confirmation dialog keeps `event` from the widget under it:
        everything but the dialog's box and the footer (whose keys it names) is behind it."""
        dialogs = self.query(ConfirmDialog)
        if not any(dialog.is_open for dialog in dialogs):
            return False
        try:
            widget, _ = self.get_widget_at(event.screen_x, event.screen_y)
        except NoWidget:
            return True
        return not any(
            isinstance(node, ConfirmDialog | FittedFooter) for node in widget.ancestors_with_self
        )
