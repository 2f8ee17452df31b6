"""A dashboard whose every pixel is the same on every run, for snapshot tests.

The embedded exchange is seeded and frozen (`rate=0`); its clock starts at `FROZEN_NOW_MS` and
only moves with real time (so rate-limit windows still slide), while everything the screen shows
comes from the bootstrap at that instant. The client signs with the same fixed time and the UI's
clock stands still, so data age and timestamps never change. `settle` waits for the state the
snapshot shows, by condition, never by a fixed sleep.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import BackgroundExchange, SimConfig
from cdx.ui.app import DashboardApp

FROZEN_NOW_MS = 1_700_000_000_000
SEED = 3
SETTLE_TIMEOUT_S = 15.0


class FromFrozenNow:
    """Server clock: `FROZEN_NOW_MS` at creation, then real elapsed milliseconds."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __call__(self) -> int:
        return FROZEN_NOW_MS + int((time.monotonic() - self._start) * 1000)


@pytest.fixture
def seeded_exchange() -> Iterator[BackgroundExchange]:
    exchange = BackgroundExchange(SimConfig(seed=SEED, rate=0, clock=FromFrozenNow())).start()
    try:
        yield exchange
    finally:
        exchange.stop()


@pytest.fixture
def make_app(seeded_exchange: BackgroundExchange) -> Callable[[], DashboardApp]:
    def make() -> DashboardApp:
        rest = RestClient(
            seeded_exchange.rest_url,
            Credentials("demo", "demo-secret"),
            clock=lambda: FROZEN_NOW_MS / 1000,
        )
        return DashboardApp(
            rest, seeded_exchange.ws_url, "btcusdt", clock=lambda: 0.0, poll_interval=3600
        )

    return make


def _settled(app: DashboardApp) -> bool:
    symbol = app.symbol_name
    budgets = app.rest.limiter.budgets().values()
    return (
        app.account is not None
        and app.market.book(symbol, app.step) is not None
        and bool(app.market.closes(symbol))
        and all(app.market.ticker(name) is not None for name in app.symbols)
        and bool(app.symbols)
        and app.tracker.token() >= 0
        and all(b.remaining == b.limit for b in budgets)
    )


@pytest.fixture
def settle() -> Callable[[Pilot], Awaitable[None]]:
    """`run_before` for snap_compare: the main screen with everything arrived."""
    return _settle


async def _settle(pilot: Pilot) -> None:
    """Wait until everything the main screen shows has arrived, then paint it once."""
    app = pilot.app
    assert isinstance(app, DashboardApp)
    deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
    while not _settled(app):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the seeded dashboard did not settle")
        await pilot.pause(0.05)
    app.repaint_now()
    await pilot.pause()
