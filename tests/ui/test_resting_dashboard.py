"""A dashboard at rest (a still market, nothing to paint) wakes for nothing, yet still says
when its data turns stale: the moment is due by the clock alone, with no message to wake it.
"""

from __future__ import annotations

from cdx.client.rest import RestClient
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from pilot_wait import until

SYMBOL = "btcusdt"


def status(app: DashboardApp) -> str:
    return app.status_bar.render().plain


def budgets_full(app: DashboardApp) -> bool:
    budgets = app.status_bar.budgets
    return bool(budgets) and all(left >= limit for _, left, limit in budgets)


async def test_a_link_gone_silent_turns_a_resting_dashboard_stale_and_back(
    exchange: RunningExchange,
) -> None:
    async with RestClient(exchange.rest_url) as rest:  # read-only: no polls, a still market
        app = DashboardApp(rest, exchange.ws_url, SYMBOL)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(
                pilot,
                lambda: (
                    app.market.book(SYMBOL, app.step) is not None and "data live" in status(app)
                ),
                "live data",
            )
            # The start-up's requests spent rate budget, and a refilling budget is looked at
            # four times a second: wait until it is full, so only the clock is left to wake it.
            await until(pilot, lambda: budgets_full(app), "the rate budgets refilled")
            exchange.faults.stall_ws = True  # the socket stays open; nothing comes, not a pong
            await until(pilot, lambda: "stale" in status(app), "the status bar saying stale")
            # Said by the clock, not by the stream giving the link up for dead (after 15 s).
            assert "● CONNECTED" in status(app)
            await until(pilot, lambda: app.ladder.has_class("-stale"), "the ladder dimmed")
            assert "STALE" in app.ticker_bar.render().plain
            exchange.faults.stall_ws = False
            await until(pilot, lambda: "data live" in status(app), "live again")
            await until(pilot, lambda: not app.ladder.has_class("-stale"), "the ladder lit")
