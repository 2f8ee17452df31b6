"""Snapshots of the dashboard on a seeded, frozen market (look at the SVGs before committing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Static

from cdx.client.tracker import TrackedState
from cdx.ui.app import DashboardApp
from cdx.ui.screens.help import HelpScreen
from pilot_wait import until

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
        assert pilot.app.confirm.is_open

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=confirm_limit_buy)


def test_open_order_and_its_ladder_marker(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    async def place_resting_buy(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, DashboardApp)
        await settle(pilot)
        await pilot.press("b", *"26950.5", "tab", *"0.25", "enter")
        await until(pilot, lambda: app.confirm.is_open, "the dialog")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any(o.state is TrackedState.OPEN for o in app.tracker.live("btcusdt")),
            "the order open with its id",
        )
        app.poke_poller()
        await until(
            pilot,
            lambda: app.account is not None and bool(app.account.balance("usdt").locked),
            "the locked funds polled",
        )
        await settle(pilot)
        app.clear_notifications()  # a toast's lifetime is wall-clock time
        await until(pilot, lambda: any(row.own for row in app.ladder.rows), "the marker")

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=place_resting_buy)


def test_an_error_in_the_order_form(
    snap_compare, make_app: Callable[[], DashboardApp], settle: Settle
) -> None:
    async def too_large_a_buy(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, DashboardApp)
        await settle(pilot)
        await pilot.press("b", *"26950.5", "tab", *"500", "enter")
        message = app.query_one("#form-message", Static)
        await until(pilot, lambda: "Not enough" in str(message.render()), "the form's error")
        assert not app.confirm.is_open

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=too_large_a_buy)
