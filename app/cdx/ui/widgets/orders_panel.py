"""The orders panel: three tabs, Open | History | Fills, in the room of one.

Open is the order tracker's view (`OpenOrders`: pending, open, cancelling, unknown), History
the exchange's list of the symbol's orders (`allOrders`), Fills the account's own trades
(`myTrades`). The tabs are named in the panel's border title, the shown one highlighted, so
they cost no line of the table; `o` (a dashboard key) cycles them. The panel only shows what
it is given; the app reads the lists, when a tab is shown (`TabShown`) or an order changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher

from cdx.client.tracker import TrackedOrder
from cdx.model.account import Fill
from cdx.model.order import Order
from cdx.model.symbol import Symbol
from cdx.ui.widgets.focus_border import FocusBorder
from cdx.ui.widgets.open_orders import OpenOrders
from cdx.ui.widgets.order_history import OrderHistory
from cdx.ui.widgets.own_fills import OwnFills
from cdx.ui.widgets.record_table import RecordTable

TABS: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("history", "History"),
    ("fills", "Fills"),
)
"""(tab, label) in the order `o` cycles them."""


class OrdersPanel(FocusBorder, Vertical):
    """The Open, History and Fills tables, one shown at a time."""

    DEFAULT_CSS = """
    OrdersPanel > ContentSwitcher {
        height: 1fr;
    }
    OrdersPanel DataTable {
        height: 1fr;
    }
    """

    class TabShown(Message):
        """The user brought `tab` into view: its list is worth reading now."""

        def __init__(self, tab: str) -> None:
            self.tab = tab
            super().__init__()

    tab: str = "open"
    _titled: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="orders-open"):
            yield OpenOrders(id="orders-open")
            yield OrderHistory(id="orders-history")
            yield OwnFills(id="orders-fills")

    def on_mount(self) -> None:
        self._retitle()

    @property
    def open_orders(self) -> OpenOrders:
        return self.query_one(OpenOrders)

    @property
    def history(self) -> OrderHistory:
        return self.query_one(OrderHistory)

    @property
    def fills(self) -> OwnFills:
        return self.query_one(OwnFills)

    @property
    def shown(self) -> OpenOrders | RecordTable[Order] | RecordTable[Fill]:
        """The table of the tab in view."""
        return {"open": self.open_orders, "history": self.history, "fills": self.fills}[self.tab]

    def cycle(self) -> None:
        """Show the next tab (Open after Fills)."""
        names = [name for name, _ in TABS]
        self.show_tab(names[(names.index(self.tab) + 1) % len(names)])

    def show_tab(self, tab: str) -> None:
        """Bring `tab` into view; the focus follows if it was in the panel."""
        had_focus = self.has_focus_within
        self.tab = tab
        self.query_one(ContentSwitcher).current = f"orders-{tab}"
        if had_focus:
            self.shown.focus()
        self._retitle()
        self.post_message(self.TabShown(tab))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A table of a hidden tab took the focus (the app focuses Open after placing an
        order): its tab comes into view, so the focus is never on something unseen."""
        for name, _ in TABS:
            if event.widget is self.query_one(f"#orders-{name}") and name != self.tab:
                self.show_tab(name)
                return

    def show_open(self, orders: Sequence[TrackedOrder], symbol: Symbol | None) -> None:
        self.open_orders.show(orders, symbol)
        self._retitle()

    def show_history(self, orders: Sequence[Order], symbol: Symbol | None) -> None:
        self.history.show(orders, symbol)
        self._retitle()

    def show_fills(self, fills: Sequence[Fill], symbol: Symbol | None) -> None:
        self.fills.show(fills, symbol)
        self._retitle()

    def show_problem(self, tab: str, reason: str) -> None:
        """A read of `tab`'s list failed: its rows stay, the subtitle says why."""
        if tab in ("history", "fills"):
            table = self.history if tab == "history" else self.fills
            table.show_problem(reason)
        self._retitle()

    def reset(self) -> None:
        """Another symbol: History and Fills are read again."""
        self.history.reset()
        self.fills.reset()
        self._retitle()

    def _retitle(self) -> None:
        """Tabs in the title (the shown one reversed, so it reads in 16 colours too), the shown
        table's count or state in the subtitle."""
        subtitle = self.shown.border_subtitle or ""
        if (self.tab, subtitle) == self._titled:
            return  # setting a title repaints the panel, even to the same text
        self._titled = (self.tab, subtitle)
        title = Text()
        for index, (name, label) in enumerate(TABS):
            if index:
                title.append("│", style="dim")
            title.append(f" {label} ", style="bold reverse" if name == self.tab else "")
        self.border_title = title
        self.border_subtitle = subtitle
