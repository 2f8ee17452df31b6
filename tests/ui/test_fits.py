"""Everything fits (issue 13): no message cut, no notification over a panel, every panel
reachable at 80x24, read-only and a refused key said where a user looks.

Pilots at 80x24 and 120x40 against the embedded exchange (a wrong secret for a refused key) or
the `hostile` front (a long refusal); what is asserted is what the user reads on the terminal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer, Static

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from cdx.ui.screens.help import HelpScreen
from cdx.ui.widgets.message_line import MessageLine
from cdx.ui.widgets.open_orders import OpenOrders
from pilot_wait import until

if TYPE_CHECKING:
    from conftest import Dashboard, HostileServer

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")

LONG_REFUSAL = (
    "the account holds 98,765.43 USDT available after the orders already resting in the book, "
    "and this order would need 270,000.00 USDT including the fee: lower the amount or the price"
)
"""A server's refusal far longer than any line of the dashboard at 80 columns."""


def screen_text(app: DashboardApp) -> str:
    """Every line of the terminal as the user reads it (Textual's compositor)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def on_screen(widget: Widget) -> bool:
    """Whether any of `widget` is drawn: displayed, with its ancestors, and not empty."""
    shown = widget.display and all(node.display for node in widget.ancestors_with_self)
    return bool(shown) and widget.region.area > 0


async def market_shown(app: DashboardApp, pilot: Pilot) -> None:
    await until(pilot, lambda: app.market.book(SYMBOL, app.step) is not None, "the book")
    app.repaint_now()
    await pilot.pause()


@pytest.fixture
async def on_hostile(hostile: HostileServer) -> AsyncIterator[DashboardApp]:
    async with RestClient(hostile.rest_url, DEMO) as rest:
        yield DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)


async def test_a_long_refusal_wraps_in_the_form_and_is_whole_on_help_at_80x24(
    on_hostile: DashboardApp, hostile: HostileServer
) -> None:
    async def refused(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"code": "110005", "msg": LONG_REFUSAL, "data": None})

    hostile.on("/v1/order", refused)
    app = on_hostile
    async with app.run_test(size=(80, 24)) as pilot:
        await market_shown(app, pilot)
        await until(pilot, lambda: app.account is not None, "the account")
        await pilot.press("b", *"1000.00", "tab", *"0.01", "enter")
        await until(pilot, lambda: app.confirm.is_open, "the dialog")
        await pilot.press("enter")
        message = app.query_one("#form-message", Static)
        await until(pilot, lambda: "lower the amount" in str(message.content), "the refusal")
        await pilot.pause()
        # Wrapped in the form, as far as the open orders leave room, the cut marked ...
        shown = " ".join(str(message.render()).split())
        assert message.size.height > 1 and "insufficient available balance" in shown
        assert shown.endswith("… (? more)")
        assert on_screen(app.orders) and app.orders.size.height >= 2
        # ... and whole on `?`.
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert any(LONG_REFUSAL in line for line in app.screen.messages)


async def test_a_message_is_never_drawn_over_the_open_orders(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("c")  # nothing selected: a warning
        line = app.query_one(MessageLine)
        await until(pilot, lambda: "No open order selected" in screen_text(app), "the warning")
        orders = app.query_one(OpenOrders)
        assert on_screen(orders) and on_screen(line)
        assert not line.region.overlaps(orders.region)
        assert "Id" in orders.render_line(0).text  # the header's last column still drawn
        assert not app.screen.query("Toast")


async def test_v_shows_the_trades_then_the_watchlist_at_80x24(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard.ready(pilot)
        assert on_screen(app.form) and on_screen(app.orders)
        assert not on_screen(app.tape) and not on_screen(app.watchlist)
        assert " SOL " not in screen_text(app)  # only the symbol's coins fit under the form
        await pilot.press("v")
        assert on_screen(app.tape) and on_screen(app.ladder)
        assert not on_screen(app.form)
        await pilot.press("v")
        assert on_screen(app.watchlist) and on_screen(app.tape)
        app.watchlist.focus()
        await pilot.press("v")
        await pilot.pause()
        assert on_screen(app.balances) and not on_screen(app.form)
        assert all(f" {coin} " in screen_text(app) for coin in ("BTC", "USDT", "ETH", "SOL"))
        assert app.focused is app.ladder  # not the watchlist, hidden again
        await pilot.press("v")
        await pilot.pause()
        assert on_screen(app.form) and not on_screen(app.tape)
        await pilot.press("v", "b")  # the form opens where it can be seen
        await pilot.pause()
        assert on_screen(app.form) and app.form.has_focus_within


async def test_v_brings_the_watchlist_back_on_a_short_wide_terminal(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 24)) as pilot:
        await dashboard.ready(pilot)
        assert on_screen(app.tape) and not on_screen(app.watchlist)
        await pilot.press("v")
        assert on_screen(app.watchlist) and on_screen(app.tape) and on_screen(app.form)


async def test_read_only_says_so_in_balances_and_offers_no_trading_keys(
    exchange: RunningExchange,
) -> None:
    async with RestClient(exchange.rest_url) as rest:
        app = DashboardApp(rest, exchange.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "Read-only: no API key set" in screen_text(app)  # at once, not "waiting"
            await market_shown(app, pilot)
            footer = app.query_one(Footer)
            footer_text = screen_text(app).splitlines()[footer.region.y]
            assert "Help" in footer_text and "Quit" in footer_text
            assert "Buy" not in footer_text and "Cancel" not in footer_text
            await pilot.press("b")
            await pilot.pause()
            assert not app.form.has_focus_within
            shown = app.query_one(MessageLine).shown
            assert shown is not None and shown.text.startswith("Read-only: no API key set")


async def test_a_refused_key_says_key_refused_not_trading(exchange: RunningExchange) -> None:
    async with RestClient(exchange.rest_url, Credentials("demo", "not-the-secret")) as rest:
        app = DashboardApp(rest, exchange.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "KEY REFUSED" in screen_text(app), "KEY REFUSED")
            status = screen_text(app).splitlines()[app.status_bar.region.y]
            assert "TRADING" not in status
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert any(
                "KEY REFUSED" in line and "signature rejected" in line
                for line in app.screen.messages
            )
