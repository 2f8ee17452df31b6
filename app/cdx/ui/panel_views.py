"""Panels that do not fit take turns: `v` shows the trades tape, the watchlist and every
balance at 80x24.

Below 110 columns the side column (watchlist and trades) has no room beside the ladder and the
middle column, and below 32 rows the watchlist has none above the tape, so styles/app.tcss hides
them. `v` cycles the views of what is hidden, by classes on `#body` that only matter at those
sizes: `-show-side` puts the side column in place of the middle one, `-show-watchlist` brings
the watchlist back above the tape, `-show-balances` gives the balances the middle column.
Opening the form or selecting an order (anything focusing the middle column) goes back to it,
so a trading key never acts on a hidden panel.

The main screen is made with its size classes (`-narrow`, `-short`, ...) already set, so the
first frame is styled, laid out and painted once, at the terminal's size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen
from textual.widget import Widget

from cdx.ui.screens.main import MainScreen

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

SHOW_SIDE = "-show-side"
SHOW_WATCHLIST = "-show-watchlist"
SHOW_BALANCES = "-show-balances"
VIEW_CLASSES = (SHOW_SIDE, SHOW_WATCHLIST, SHOW_BALANCES)

View = frozenset[str]


def views(narrow: bool, short: bool) -> list[View]:
    """The views `v` cycles through at this size, the usual one first: one view alone when
    every panel fits."""
    cycle: list[View] = [frozenset()]
    if narrow:
        cycle.append(frozenset({SHOW_SIDE}))
    if short:
        cycle.append(cycle[-1] | {SHOW_WATCHLIST})
        # Below 32 rows the balances panel shows the current symbol's coins only: one view
        # gives it the middle column's whole height, every coin in sight.
        cycle.append(frozenset({SHOW_BALANCES}))
    return cycle


def next_view(current: View, narrow: bool, short: bool) -> View | None:
    """The view after `current` at this size (a class that has no effect at it is ignored),
    or None when there is nothing to cycle."""
    cycle = views(narrow, short)
    if len(cycle) == 1:
        return None
    effective = frozenset(
        flag
        for flag in current
        if (flag == SHOW_SIDE and narrow) or (flag in (SHOW_WATCHLIST, SHOW_BALANCES) and short)
    )
    index = cycle.index(effective) if effective in cycle else 0
    return cycle[(index + 1) % len(cycle)]


def breakpoint_class(cells: int, breakpoints: list[tuple[int, str]]) -> str:
    """The class of the widest breakpoint `cells` reaches (Textual's rule), or ""."""
    reached = [(at, name) for at, name in breakpoints if cells >= at]
    return max(reached)[1] if reached else ""


class PanelViews(_Base):
    """`v` and the way back to the middle column (a mixin of `DashboardApp`)."""

    def get_default_screen(self) -> Screen:
        """The main screen with the breakpoint classes of the terminal's size already set.

        Textual sets them at its first resize, which comes after the first frame: every node
        was styled again and the whole screen painted twice, at 80x24 first in the wide
        layout."""
        width, height = self.size
        classes = (
            breakpoint_class(width, self.HORIZONTAL_BREAKPOINTS or []),
            breakpoint_class(height, self.VERTICAL_BREAKPOINTS or []),
        )
        return MainScreen(id="_default", classes=" ".join(filter(None, classes)))

    def action_side_panel(self) -> None:
        main = self.screen_stack[0]
        body = main.query_one("#body")
        narrow = main.has_class("-narrow")
        chosen = next_view(frozenset(body.classes), narrow, main.has_class("-short"))
        if chosen is None:
            self.notify("Every panel is shown at this size")
            return
        for name in VIEW_CLASSES:
            body.set_class(name in chosen, name)
        self.call_after_refresh(self._focus_shown)

    def _focus_shown(self) -> None:
        """A panel hidden by the new view gives the focus to the ladder (keys typed next must
        not act on what cannot be seen)."""
        focused = self.focused  # None: Textual has already blurred a widget it hid
        if focused is None or not all(node.display for node in focused.ancestors_with_self):
            self.ladder.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The form or the orders took the focus: show the middle column again, whole."""
        if self._in_middle(event.widget):
            self.screen_stack[0].query_one("#body").remove_class(SHOW_SIDE, SHOW_BALANCES)

    def _in_middle(self, widget: Widget | None) -> bool:
        return widget is not None and any(node.id == "middle" for node in widget.ancestors)
