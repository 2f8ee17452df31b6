"""`b` / `s` with a default size, as a trader uses them: the quick dialog says what the form's
dialog says (taker warning, share of the balance), the move dialog too, and a trader who types
ahead as if `b` had opened the form gets the order typed, not the default one.

Pilots against the embedded exchange (still market); bursts are handed to the driver at once,
as a terminal delivers fast typing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from test_ladder_trading import book, cursor_to, rest_ours
from test_stale_stops_trading import FakeClock
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cdx.ui.app import DashboardApp
from cdx.ui.widgets.confirm_dialog import ConfirmDialog

if TYPE_CHECKING:
    from conftest import Dashboard

TAKER = "fills now as a taker, up to"

KEY_NAMES = {".": "full_stop"}
"""What the terminal driver calls a key whose character is not its name."""


@pytest.fixture
def still(dashboard: Dashboard) -> Dashboard:
    """`dashboard` on a frozen UI clock: the still market's book never ages into STALE (and
    refuses the order) because a loaded machine delivered a heartbeat late."""
    app = dashboard.app
    dashboard.app = DashboardApp(
        app.rest, app.ws_url, app.symbol_name, clock=FakeClock(), poll_interval=app.poll_interval
    )
    return dashboard


def burst(app: App[object], *keys: str) -> None:
    """Every key handed to the app in one go, named as the terminal driver names them."""
    assert app._driver is not None
    for key in keys:
        character = key if len(key) == 1 else None
        event = events.Key(KEY_NAMES.get(key, key), character)
        event.set_sender(app)
        app._driver.send_message(event)


def dialog(dash: Dashboard) -> ConfirmDialog:
    confirm = dash.app.confirm
    assert confirm.is_open, dash.app.screen
    return confirm


async def set_default_size(pilot: Pilot, amount: str) -> None:
    """Ctrl+D in the form, as the trader sets it."""
    await pilot.press("b", "tab", *amount, "ctrl+d", "escape")


async def test_quick_dialog_says_what_the_forms_dialog_says_through_the_spread(
    still: Dashboard,
) -> None:
    dashboard = still
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await set_default_size(pilot, "0.002")
        price = book(dashboard).asks[2][0]  # above the best ask: a taker at once
        await cursor_to(pilot, dashboard, price)
        await pilot.press("b")
        quick = dialog(dashboard)
        assert any(TAKER in line for line in quick.details), quick.details
        assert any("USDT available" in line for line in quick.details), quick.details
        asked = (quick.question, quick.details, quick.warning)  # the dialog is reused
        await pilot.press("escape")
        assert dashboard.open_orders() == []

        # The same order typed in the form: its dialog says the very same.
        app.set_default_size("")
        await pilot.press("b", "tab", *"0.002", "enter")
        form = dialog(dashboard)
        assert (form.question, form.details, form.warning) == asked
        await pilot.press("escape")


async def test_move_dialog_warns_that_the_new_price_fills_as_a_taker(still: Dashboard) -> None:
    dashboard = still
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        levels = book(dashboard)
        old, new = levels.bids[2][0], levels.asks[1][0]
        await rest_ours(pilot, dashboard, old)
        await cursor_to(pilot, dashboard, old)
        await pilot.press("m")
        await cursor_to(pilot, dashboard, new)
        await pilot.press("m")
        move = dialog(dashboard)
        assert move.title_text == "Move order?"
        assert any(TAKER in line for line in move.details), move.details
        await pilot.press("escape")
        assert not app.ladder.moving


async def test_typing_ahead_after_b_places_the_typed_order_not_the_default(
    still: Dashboard,
) -> None:
    dashboard = still
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await set_default_size(pilot, "0.002")
        assert "default 0.002" in str(app.ladder.border_title)
        price = book(dashboard).bids[3][0]
        # A trader used to `b` opening the form types the whole order in one go.
        burst(app, "b", *str(price), "tab", *"0.01", "enter", "enter")

        def placed() -> bool:
            orders = dashboard.open_orders()
            return [(o.price, o.volume) for o in orders] == [(price, Decimal("0.01"))]

        try:
            await dashboard.until(pilot, placed, f"0.01 @ {price} on the exchange")
        except AssertionError as exc:
            form = app.form
            fields = [form.query_one(f"#{name}", Input).value for name in ("price", "amount")]
            state = f"exchange {dashboard.open_orders()}, form {fields}, screen {app.screen}"
            raise AssertionError(f"{exc}; {state}; told {[n.line for n in app.told()]}") from exc
        await pilot.pause(0.2)
        assert [(o.price, o.volume) for o in dashboard.open_orders()] == [(price, Decimal("0.01"))]
        assert not app.confirm.is_open


async def test_a_digit_in_the_quick_dialog_opens_the_form_with_the_default_size(
    still: Dashboard,
) -> None:
    dashboard = still
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await set_default_size(pilot, "0.002")
        await pilot.press("b")
        keys = dialog(dashboard).query_one("#confirm-keys", Static)
        assert "go on in the form" in str(keys.render())
        await pilot.press("2")
        assert not app.confirm.is_open
        assert app.form.query_one("#price").value == "2"  # type: ignore[attr-defined]
        assert app.form.query_one("#amount").value == "0.002000"  # type: ignore[attr-defined]
        assert dashboard.open_orders() == []
