"""The dashboard's market-data widgets; each module holds one widget, named for what it shows."""

from __future__ import annotations

from cdx.ui.widgets.balances import BalancesPanel
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.status_bar import StatusBar
from cdx.ui.widgets.ticker_bar import TickerBar
from cdx.ui.widgets.trades_tape import TradesTape
from cdx.ui.widgets.watchlist import Watchlist

__all__ = ["BalancesPanel", "Ladder", "StatusBar", "TickerBar", "TradesTape", "Watchlist"]
