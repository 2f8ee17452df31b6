"""The dashboard's own screen: Textual's, except that a change of focus repaints nothing and a
frame renders only the lines it writes (`cdx.ui.line_compositor`).

Textual's screen repaints itself whole when its focused widget changes. The dashboard moves
the focus on many keys (a placed order focuses the orders table, Escape the ladder, `b` the
form), and each of those keys paid for composing every cell of the screen again before its
frame. What a change of focus changes on screen is drawn anyway: the widgets that gain and
lose the focus restyle and refresh themselves (`:focus` rules, the panels' `FocusBorder`),
and the footer is redone from the new bindings.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget

from cdx.ui.line_compositor import LineCompositor


class MainScreen(Screen[None]):
    """The dashboard's screen (see the module's docstring), composed by `LineCompositor`."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        self._compositor = LineCompositor()
