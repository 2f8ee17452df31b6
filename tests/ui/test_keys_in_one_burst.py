"""Keys that arrive in one read (a paste, a fast typist, `tmux send-keys`) land as if typed
slowly, in text fields too.

`pilot.press` waits for the app to go idle after every key, so it never sends a burst; these
tests hand the whole sequence to the driver at once, as a terminal delivers it, then wait
until the app has taken every key of it (however loaded the machine) before looking: a key
lost or misrouted shows in what the form holds and where the focus is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from cdx.client.tracker import TrackedState

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp
    from conftest import Dashboard


def send(app: DashboardApp, *keys: str) -> None:
    """Every key handed to the app in one go, as the terminal driver reads a burst."""
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def burst(dash: Dashboard, pilot: Pilot, *keys: str) -> None:
    """`send` the keys, then return once the app has taken them all (a user glancing at the
    screen after typing); a key that never reaches the app times out."""
    app = dash.app
    expected = app.keys_taken + len(keys)
    send(app, *keys)
    await dash.until(pilot, lambda: app.keys_taken >= expected, f"{len(keys)} keys taken")
    await pilot.pause()


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
        keys = ("b", "end", "backspace", "backspace", "backspace", *"27000", "tab", *"0.01")
        await burst(dashboard, pilot, *keys)
        assert fields(dashboard) == (prefilled[:-3] + "27000", "0.01")


async def test_tab_ctrl_u_then_text_fill_the_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", "tab", *"9")  # something to clear
        assert fields(dashboard)[1] == "9"
        await burst(dashboard, pilot, "shift+tab", "tab", "ctrl+u", *"0.5")
        assert fields(dashboard)[1] == "0.5"
        assert app.focused is app.query_one("#amount", Input)


async def test_escape_then_s_opens_the_sell_form(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", *"123", "escape", "s")
        assert app.form.side.value == "SELL"
        assert app.focused is app.query_one("#price", Input)
        assert "123" not in fields(dashboard)[0]


async def test_ctrl_o_then_amount_types_into_the_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", "ctrl+o", *"0.5")
        assert fields(dashboard) == ("", "0.5")
        assert app.focused is app.query_one("#amount", Input)


async def test_whole_order_in_one_burst_reaches_the_dialog(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", "ctrl+u", *"20000", "tab", *"0.01", "enter")
        assert app.confirm.is_open
        assert app.confirm.question.startswith("Buy 0.010000 BTC at 20,000.00")


async def test_enter_enter_in_one_burst_places_the_order(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", "ctrl+u", *"20000", "tab", *"0.01", "enter", "enter")
        await dashboard.until(pilot, lambda: len(dashboard.open_orders()) == 1, "order placed")
        assert not app.confirm.is_open


async def test_escape_on_the_orders_then_a_new_order_fills_the_form(dashboard: Dashboard) -> None:
    """Escape on the orders table used to be resolved late, on the form `b` had opened
    meanwhile: the form let go of the focus mid-price (price `2000`, amount lost, focus on
    the ladder)."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await burst(dashboard, pilot, "b", "ctrl+u", *"20000", "tab", *"0.01", "enter", "enter")
        await dashboard.until(
            pilot,
            lambda: any(o.state is TrackedState.OPEN for o in app.tracker.live("btcusdt")),
            "the order open",
        )
        assert app.focused is app.orders
        await burst(dashboard, pilot, "escape", "b", *"20000.03", "tab", *"0.001")
        assert fields(dashboard) == ("20000.03", "0.001")
        assert app.focused is app.query_one("#amount", Input)


async def test_enter_on_the_ladder_then_digits_type_the_price(dashboard: Dashboard) -> None:
    """Enter on the ladder opens the form through a message the app handles; the digits typed
    after it belong in the price it focuses, not in the ladder."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        assert app.focused is app.ladder
        await burst(dashboard, pilot, "enter", *"25000", "tab", *"0.002")
        assert fields(dashboard) == ("25000", "0.002")
        assert app.focused is app.query_one("#amount", Input)


async def test_keys_typed_after_q_are_dropped_quietly(dashboard: Dashboard) -> None:
    """Keys read after `q` reach an app with no screen left: dropped, not a traceback."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        send(app, "q", "b", "1", "escape", "s", "tab")
        await dashboard.until(pilot, lambda: app._exit, "the app to quit")
    assert app.return_code == 0


async def test_a_paste_between_keys_lands_where_they_put_the_focus(dashboard: Dashboard) -> None:
    """A bracketed paste is text typed at once: it waits behind the keys before it."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        send(app, "b", "ctrl+u")
        paste = events.Paste("20000.5")
        paste.set_sender(app)
        assert app._driver is not None
        app._driver.send_message(paste)
        await burst(dashboard, pilot, "tab", *"0.01")
        assert fields(dashboard) == ("20000.5", "0.01")
