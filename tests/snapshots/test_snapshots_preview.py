"""Snapshots of the order preview on the seeded, frozen market (look at the SVGs first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from cdx.ui.app import DashboardApp

Settle = Callable[[Pilot], Awaitable[None]]


def test_market_buy_preview_dialog(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    """A market buy through several asks: receive, average, worst, slippage, share."""

    async def confirm_market_buy(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("B", *"20000", "enter")
        assert pilot.app.confirm.is_open

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=confirm_market_buy)


def test_market_sell_preview_in_the_form_80x24(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    """The live estimate fits the form at 80x24 without cutting a word."""

    async def type_market_sell(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("S", *"0.5")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=type_market_sell)
