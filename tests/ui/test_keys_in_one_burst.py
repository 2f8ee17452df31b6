"""Keys that arrive in one read (a paste, a fast typist, `tmux send-keys`) land as if typed
slowly, in text fields too.

`pilot.press` waits for the app to go idle after every key, so it never sends a burst; these
tests hand the whole sequence to the driver at once, as a terminal delivers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from cdx.ui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from conftest import Dashboard


def burst(app: App[object], *keys: str) -> None:
    """Every key handed to the app in one go, as the terminal driver reads a burst."""
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def settled(pilot: Pilot) -> None:
    """Let the app take every key of the burst (a user glancing at the screen after it)."""
    await pilot.pause(0.3)


def fields(dash: Dashboard) -> tuple[str, str]:
    app = dash.app
    return app.query_one("#price", Input).value, app.query_one("#amount", Input).value


async def test_end_backspaces_then_digits_edit_the_prefilled_price(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        book = app.market.book("btcusdt", 0)
        assert book is not None and book.best_ask is not None
        prefilled = f"{book.best_ask:.2f}"
        burst(app, "b", "end", "backspace", "backspace", "backspace", *"27000", "tab", *"0.01")
        await settled(pilot)
        assert fields(dashboard) == (prefilled[:-3] + "27000", "0.01")


async def test_tab_ctrl_u_then_text_fill_the_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b", "tab", *"9")  # something to clear
        burst(app, "shift+tab", "tab", "ctrl+u", *"0.5")
        await settled(pilot)
        assert fields(dashboard)[1] == "0.5"
        assert app.focused is app.query_one("#amount", Input)


async def test_escape_then_s_opens_the_sell_form(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        burst(app, "b", *"123", "escape", "s")
        await settled(pilot)
        assert app.form.side.value == "SELL"
        assert app.focused is app.query_one("#price", Input)
        assert "123" not in fields(dashboard)[0]


async def test_ctrl_o_then_amount_types_into_the_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        burst(app, "b", "ctrl+o", *"0.5")
        await settled(pilot)
        assert fields(dashboard) == ("", "0.5")
        assert app.focused is app.query_one("#amount", Input)


async def test_whole_order_in_one_burst_reaches_the_dialog(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        burst(app, "b", "ctrl+u", *"20000", "tab", *"0.01", "enter")
        await settled(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("Buy 0.010000 BTC at 20,000.00")


async def test_enter_enter_in_one_burst_places_the_order(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        burst(app, "b", "ctrl+u", *"20000", "tab", *"0.01", "enter", "enter")
        await dashboard.until(pilot, lambda: len(dashboard.open_orders()) == 1, "order placed")
        assert not isinstance(app.screen, ConfirmScreen)
