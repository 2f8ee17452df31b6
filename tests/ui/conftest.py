"""Fixtures for dashboard pilots: a real embedded exchange on loopback and the app on it.

The market is seeded and frozen (`rate=0`) so a limit order below the best bid rests and the
book does not move under the test; the server keeps the wall clock so rate-limit windows slide
as they do for a user. Tests wait for what the user would see (`until`), never for a fixed time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import RunningExchange, SimConfig, start_exchange
from cdx.ui.app import DashboardApp
from pilot_wait import until

SEED = 11
SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")


@dataclass
class Dashboard:
    """The app under test and the exchange it talks to."""

    app: DashboardApp
    exchange: RunningExchange

    def open_orders(self, symbol: str = SYMBOL) -> list:
        return self.exchange.engine.open_orders("demo", symbol)

    def balance(self, coin: str) -> tuple[Decimal, Decimal]:
        """(available, locked) of the demo account, as the exchange holds it."""
        return self.exchange.engine.balances_of("demo")[coin]

    @staticmethod
    async def until(pilot: Pilot, condition: Callable[[], object], what: str) -> None:
        """Let the app run until `condition()` holds (a user waiting for the screen)."""
        await until(pilot, condition, what)

    async def ready(self, pilot: Pilot) -> None:
        """Wait until the ladder shows a book and the account is known."""
        app = self.app
        await self.until(
            pilot,
            lambda: (
                app.market.book(app.symbol_name, app.step) is not None and app.account is not None
            ),
            "book and account",
        )
        # Paint what arrived now instead of at the next repaint tick.
        app.repaint_now()
        await pilot.pause()

    async def polls(self, pilot: Pilot, rounds: int = 2) -> None:
        """Wait until the poller has brought `rounds` more account answers and the app took
        them (a user watching a few refreshes go by); each answer is a new `Account`."""
        seen: list[object] = []

        def fresh() -> bool:
            account = self.app.account
            if account is not None and (not seen or seen[-1] is not account):
                seen.append(account)
            return len(seen) > rounds

        await self.until(pilot, fresh, f"{rounds} more account polls")
        self.app.repaint_now()
        await pilot.pause()


@pytest.fixture
async def exchange() -> AsyncIterator[RunningExchange]:
    running = await start_exchange(SimConfig(seed=SEED, rate=0))
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def dashboard(exchange: RunningExchange) -> AsyncIterator[Dashboard]:
    async with RestClient(exchange.rest_url, DEMO) as rest:
        app = DashboardApp(rest, exchange.ws_url, SYMBOL, poll_interval=0.2)
        yield Dashboard(app, exchange)
