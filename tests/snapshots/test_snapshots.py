"""Snapshots of the dashboard on a seeded, frozen market (look at the SVGs before committing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from cdx.ui.app import DashboardApp
from cdx.ui.screens.confirm import ConfirmScreen
from cdx.ui.screens.help import HelpScreen

Settle = Callable[[Pilot], Awaitable[None]]


def test_main_screen_120x40(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=settle)


def test_main_screen_80x24(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_help_screen(snap_compare, make_app: Callable[[], DashboardApp], settle: Settle) -> None:
    async def open_help(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=open_help)


def test_confirmation_dialog(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    async def confirm_limit_buy(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("b", *"26950.5", "tab", *"0.25", "enter")
        assert isinstance(pilot.app.screen, ConfirmScreen)

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=confirm_limit_buy)
