"""The confirmation dialog is drawn over the live dashboard, yet it owns every key while open:
a key meant for the dashboard or the form must not act behind the question the user is
answering, and the footer names only the dialog's keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.pilot import Pilot
from textual.widgets import Input

from cdx.ui.widgets.fitted_footer import FittedFooter

if TYPE_CHECKING:
    from conftest import Dashboard


def footer_words(dash: Dashboard) -> list[str]:
    return [words for _, words in dash.app.query_one(FittedFooter).shown_keys()]


def fields(dash: Dashboard) -> dict[str, str]:
    return {str(field.id): field.value for field in dash.app.form.query(Input)}


async def ask_for_a_buy(pilot: Pilot, dash: Dashboard) -> dict[str, str]:
    """Type a limit buy and Enter: the dialog is open; what the form then holds."""
    await dash.ready(pilot)
    await pilot.press("b", "ctrl+u", *"20000", "tab", *"0.01", "enter")
    assert dash.app.confirm.is_open
    return fields(dash)


async def test_keys_meant_for_the_dashboard_do_nothing_while_the_dialog_is_open(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        typed = await ask_for_a_buy(pilot, dashboard)
        tab = app.orders_panel.query_one("ContentSwitcher").current
        await dashboard.until(
            pilot, lambda: footer_words(dashboard) == ["Confirm", "Abort"], "keys"
        )

        # A sell form, a digit, a Backspace, the orders tab, quit: none may act.
        await pilot.press("s", "5", "backspace", "o", "q")
        assert app.confirm.is_open and app.is_running
        assert fields(dashboard) == typed
        assert app.orders_panel.query_one("ContentSwitcher").current == tab
        assert app.form.side.value == "BUY"

        await pilot.press("escape")
        assert not app.confirm.is_open
        assert dashboard.open_orders() == []
        await dashboard.until(pilot, lambda: "Confirm" not in footer_words(dashboard), "keys")
        assert fields(dashboard) == typed  # the form is as the user left it


async def test_a_click_behind_the_dialog_does_nothing(dashboard: Dashboard) -> None:
    """A click on the watchlist switches the symbol, on the ladder picks a price: not while
    the question is open over them."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        typed = await ask_for_a_buy(pilot, dashboard)
        await pilot.click("#watchlist", offset=(3, 2))  # the second symbol's row
        await pilot.click("#ladder", offset=(5, 5))
        await pilot.pause()
        assert app.confirm.is_open and app.symbol_name == "btcusdt"
        assert fields(dashboard) == typed
        await pilot.press("escape")
        await pilot.click("#watchlist", offset=(3, 2))
        await dashboard.until(pilot, lambda: app.symbol_name != "btcusdt", "the symbol switched")
