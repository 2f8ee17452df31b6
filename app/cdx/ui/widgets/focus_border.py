"""A panel's border that lights up while the focus is inside it, without a `:focus-within`
rule.

With a `:focus-within` rule on a panel, every focus change into or out of it restyles the
panel and everything in it (Textual cannot cache such styles): moving the focus to the
orders table after a confirmed order restyled both the form and the orders panel, about
sixty nodes and the tables' component styles, in the frame that was to show the new row.
The border colour set inline on the panel alone is one node and one repaint; the spacing of
the border does not change, so no layout either.
"""

from __future__ import annotations

from textual import events
from textual.color import Color
from textual.widget import Widget

FOCUSED = "accent"
"""The theme colour of a panel's border while the focus is inside it."""


class FocusBorder(Widget):
    """Mixin for a panel: its border (`round`, as the stylesheet draws it) takes the theme's
    accent colour while a widget inside it has the focus."""

    _lit: bool = False

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._light()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._light()

    def _light(self) -> None:
        """Match the border to where the focus is now (a blur and the next focus may arrive
        in either order)."""
        lit = self.has_focus_within
        if lit == self._lit:
            return
        self._lit = lit
        if lit:
            accent = Color.parse(self.app.get_css_variables()[FOCUSED])
            self.styles.border = ("round", accent)
        else:
            self.styles.border = None  # back to the stylesheet's border
