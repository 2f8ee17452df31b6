"""The orders panel's tabs and the fills behind them, wired into the dashboard.

`OrdersTabs` is mixed into `DashboardApp` like `OrderDesk`: it holds the fill notifier
(`FillDesk`) and the History / Fills reader (`AccountHistory`), shows the tracker's orders in
the Open tab, and answers `o` and a tab coming into view. The app only calls `show_orders`
when the tracker changed and `account_history.reset()` when another symbol is shown.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from cdx.ui.account_history import AccountHistory
from cdx.ui.fills import FillDesk
from cdx.ui.widgets.orders_panel import OrdersPanel

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

__all__ = ["OrdersPanel", "OrdersTabs"]


class OrdersTabs(_Base):
    """Tabs, fills and history of the dashboard (a mixin of `DashboardApp`)."""

    @cached_property
    def orders_panel(self) -> OrdersPanel:
        return self.query_one(OrdersPanel)

    @cached_property
    def fill_desk(self) -> FillDesk:
        return FillDesk(self)

    @cached_property
    def account_history(self) -> AccountHistory:
        return AccountHistory(self)

    def show_orders(self) -> None:
        """The tracker's live orders in the Open tab; fills told, lists refreshed if due."""
        self.orders_panel.show_open(self.tracker.live(self.symbol_name), self.symbol)
        self.fill_desk.observe()

    def action_orders_tab(self) -> None:
        self.orders_panel.cycle()

    def on_orders_panel_tab_shown(self, message: OrdersPanel.TabShown) -> None:
        if message.tab != "open":
            self.account_history.want(message.tab)
