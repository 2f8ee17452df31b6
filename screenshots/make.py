"""Regenerate the README's SVG screenshots from the seeded embedded exchange.

    python screenshots/make.py            # writes screenshots/*.svg

The market is seeded and frozen and every clock starts at the same instant, so running this
twice gives the same pictures unless the dashboard itself changed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import BackgroundExchange, SimConfig
from cdx.ui.app import DashboardApp

OUT = Path(__file__).resolve().parent
FROZEN_NOW_MS = 1_700_000_000_000
SEED = 3
SETTLE_TIMEOUT_S = 15.0

Steps = Callable[[Pilot], Awaitable[None]]


class FromFrozenNow:
    """Server clock: `FROZEN_NOW_MS` at creation, then real elapsed milliseconds (so rate
    windows slide) while everything shown comes from the bootstrap at that instant."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def __call__(self) -> int:
        return FROZEN_NOW_MS + int((time.monotonic() - self._start) * 1000)


async def wait_for(pilot: Pilot, condition: Callable[[], object]) -> None:
    deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the dashboard did not reach the state to photograph")
        await pilot.pause(0.05)


def settled(app: DashboardApp) -> bool:
    budgets = app.rest.limiter.budgets().values()
    return (
        app.account is not None
        and app.market.book(app.symbol_name, app.step) is not None
        and bool(app.market.closes(app.symbol_name))
        and bool(app.symbols)
        and all(app.market.ticker(name) is not None for name in app.symbols)
        and all(b.remaining == b.limit for b in budgets)
    )


async def settle(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DashboardApp)
    await wait_for(pilot, lambda: settled(app))
    app.repaint_now()
    await pilot.pause()


async def main_screen(pilot: Pilot) -> None:
    await settle(pilot)


async def confirm_dialog(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("b", *"26980", "tab", *"0.25", "enter")


async def order_placed(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DashboardApp)
    await confirm_dialog(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: any(o.order_id for o in app.tracker.live("btcusdt")))
    app.poke_poller()
    await wait_for(pilot, lambda: app.account is not None and app.account.balance("usdt").locked)
    await wait_for(pilot, lambda: settled(app))
    app.repaint_now()
    await pilot.pause()


async def coarse_step(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DashboardApp)
    await settle(pilot)
    await pilot.press("right_square_bracket", "right_square_bracket")
    await wait_for(pilot, lambda: app.market.book("btcusdt", 2) is not None)
    app.repaint_now()
    await pilot.pause()


async def help_screen(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")


SHOTS: tuple[tuple[str, tuple[int, int], Steps], ...] = (
    ("dashboard-120x40", (120, 40), main_screen),
    ("dashboard-80x24", (80, 24), main_screen),
    ("confirm-limit-buy", (120, 40), confirm_dialog),
    ("order-placed", (120, 40), order_placed),
    ("depth-step2", (120, 40), coarse_step),
    ("help", (120, 40), help_screen),
)


def shoot(name: str, size: tuple[int, int], steps: Steps) -> Path:
    """One picture, on its own fresh exchange so earlier shots leave no trace."""
    exchange = BackgroundExchange(SimConfig(seed=SEED, rate=0, clock=FromFrozenNow())).start()
    path = OUT / f"{name}.svg"
    try:
        rest = RestClient(
            exchange.rest_url,
            Credentials("demo", "demo-secret"),
            clock=lambda: FROZEN_NOW_MS / 1000,
        )
        app = DashboardApp(rest, exchange.ws_url, "btcusdt", clock=lambda: 0.0, poll_interval=3600)

        async def auto_pilot(pilot: Pilot) -> None:
            await steps(pilot)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            app.save_screenshot(filename=path.name, path=str(OUT))
            await rest.aclose()
            app.exit()

        app.run(headless=True, size=size, auto_pilot=auto_pilot)
    finally:
        exchange.stop()
    return path


def main() -> int:
    for name, size, steps in SHOTS:
        print(shoot(name, size, steps).relative_to(OUT.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
