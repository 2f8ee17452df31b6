"""Snapshot of the orders panel's History tab (issue 13), on the seeded, frozen market.

The account's orders are placed on the exchange before the dashboard starts, at the frozen
instant, so their times and fills are the same on every run: a market buy (filled, its
trades marked on the tape), a limit buy resting below the market, and one cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from cdx.model.order import OrderType, Side
from cdx.server.runner import BackgroundExchange
from cdx.ui.app import DashboardApp
from cdx.ui.widgets.order_history import OrderHistory
from conftest import FROZEN_NOW_MS
from pilot_wait import until

Settle = Callable[[Pilot], Awaitable[None]]


def trade_history(exchange: BackgroundExchange) -> None:
    """Three orders of the demo account, at the frozen instant."""
    engine = exchange.engine
    place = engine.place_order
    place("demo", "btcusdt", Side.BUY, OrderType.MARKET, "5000", None, FROZEN_NOW_MS)
    place("demo", "btcusdt", Side.BUY, OrderType.LIMIT, "0.25", "26500.00", FROZEN_NOW_MS + 1)
    gone = place("demo", "btcusdt", Side.SELL, OrderType.LIMIT, "0.1", "27900.00", FROZEN_NOW_MS)
    engine.cancel_order("demo", "btcusdt", gone.id, FROZEN_NOW_MS + 2)


def test_history_tab(
    snap_compare,
    seeded_exchange: BackgroundExchange,
    make_app: Callable[[], DashboardApp],
    settle: Settle,
) -> None:
    trade_history(seeded_exchange)

    async def show_history(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, DashboardApp)
        await settle(pilot)
        await until(pilot, lambda: app.tape.own_ids, "our trades marked on the tape")
        await pilot.press("o")
        history = app.query_one(OrderHistory)
        await until(pilot, lambda: history.row_count == 3, "the three orders listed")
        await settle(pilot)
        app.clear_notifications()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=show_history)
