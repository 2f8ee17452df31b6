"""Moving around the dashboard with the keyboard: depth step, symbol, help, palette, modes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.command import CommandPalette
from textual.widgets import Input, Static

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.protocol import channels
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from cdx.ui.commands import binding_entries
from cdx.ui.screens.help import HelpScreen
from cdx.ui.screens.symbol_picker import SymbolPicker
from cdx.ui.widgets.ladder import Ladder, RowKind
from cdx.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from conftest import Dashboard


def ladder_prices(app: DashboardApp) -> list[str]:
    return [row.price for row in app.query_one(Ladder).rows if row.kind is RowKind.BID]


async def test_brackets_switch_the_depth_step_and_the_subscription(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        ladder = app.query_one(Ladder)
        assert app.stream is not None
        assert channels.depth("btcusdt", 0) in app.stream.channels
        await pilot.press("right_square_bracket")
        assert ladder.step == 1
        assert channels.depth("btcusdt", 1) in app.stream.channels
        assert channels.depth("btcusdt", 0) not in app.stream.channels
        # step1 of a 2-decimal symbol prints prices with one decimal: the server's step1 book
        await dashboard.until(
            pilot, lambda: app.market.book("btcusdt", 1) is not None, "step1 book from server"
        )
        await dashboard.until(
            pilot,
            lambda: all(len(p.split(".")[1]) == 1 for p in ladder_prices(app)),
            "coarser prices",
        )
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert ladder.step == 2
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert ladder.step == 0
        assert channels.depth("btcusdt", 0) in app.stream.channels
        assert channels.depth("btcusdt", 2) not in app.stream.channels


async def test_slash_picks_a_symbol_by_typing(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SymbolPicker)
        await pilot.press(*"sol")
        assert app.screen.query_one("#picker-filter", Input).value == "sol"
        await pilot.press("enter")
        assert app.symbol_name == "solusdt"
        assert app.query_one(StatusBar).symbol.lower() == "solusdt"
        assert app.stream is not None
        assert channels.depth("solusdt", 0) in app.stream.channels
        assert channels.depth("btcusdt", 0) not in app.stream.channels
        # solusdt has 3 price decimals: its own book is on screen
        await dashboard.until(
            pilot,
            lambda: ladder_prices(app) and len(ladder_prices(app)[0].split(".")[1]) == 3,
            "solusdt book",
        )


async def test_symbol_picker_escape_keeps_the_symbol(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("slash", *"eth", "escape")
        assert not isinstance(app.screen, SymbolPicker)
        assert app.symbol_name == "btcusdt"


async def test_question_mark_lists_every_binding(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        for key, words in (
            ("b", "Buy"),
            ("S", "Mkt sell"),
            ("C", "Cancel all"),
            ("]", "Coarser"),
            ("/", "Symbol"),
            ("^p", "Palette"),
            ("Enter", "Trade here"),
            ("Esc", "Leave form"),
            ("q", "Quit"),
        ):
            assert rows.get(key) == words or (key, words) in app.screen.rows, (key, words)
        for words in (
            "Mkt sell",
            "Cancel all",
            "Coarser",
            "Symbol",
            "Palette",
            "Trade here",
            "Leave form",
            "Quit",
        ):
            assert any(text == words for _, text in app.screen.rows), words
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_switches_symbol(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"ethbtc")
        await dashboard.until(
            pilot,
            lambda: app.screen.query("CommandList").first().option_count > 0,
            "palette matches",
        )
        await pilot.press("down", "enter")
        await dashboard.until(pilot, lambda: app.symbol_name == "ethbtc", "ethbtc shown")


async def test_narrow_terminal_keeps_ladder_form_and_status(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard.ready(pilot)
        for selector in ("#ticker", "#ladder", "#form", "#orders", "#status"):
            widget = app.query_one(selector)
            assert widget.display and widget.region.width > 0, selector
            assert widget.region.right <= 80 and widget.region.bottom <= 24, selector
        form = app.query_one("#form")
        assert form.region.height >= 7
        assert not app.query_one("#side").display  # watchlist and tape make way


async def test_read_only_without_keys(exchange: RunningExchange) -> None:
    async with RestClient(exchange.rest_url, None) as rest:
        app = DashboardApp(rest, exchange.ws_url, "btcusdt", poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = asyncio.get_running_loop().time() + 10
            while app.symbol is None:  # the form knows it is read-only once symbols load
                assert asyncio.get_running_loop().time() < deadline, "symbols never loaded"
                await pilot.pause(0.02)
            assert app.query_one(StatusBar).read_only
            await pilot.press("b", "tab", *"0.01", "enter")
            message = str(app.query_one("#form-message", Static).render())
            assert "Read-only" in message
            assert exchange.engine.open_orders("demo", "btcusdt") == []


async def test_the_palette_offers_trading_only_with_keys(exchange: RunningExchange) -> None:
    """What ctrl+p lists: without keys no buy, sell or cancel (as the footer), with keys all."""
    for credentials, trading in ((None, False), (Credentials("demo", "demo-secret"), True)):
        async with RestClient(exchange.rest_url, credentials) as rest:
            app = DashboardApp(rest, exchange.ws_url, "btcusdt", poll_interval=0.2)
            async with app.run_test(size=(120, 40)):
                titles = [title for title, _, _ in binding_entries(app)]
        assert any(title.startswith("Help") for title in titles)
        for action in ("Limit buy", "Market sell", "Cancel the selected order"):
            assert any(title.startswith(action) for title in titles) is trading, action


async def test_watchlist_enter_opens_that_symbol(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        app.watchlist.focus()
        await pilot.press("down", "enter")
        assert app.symbol_name == app.watchlist.symbols[1]


async def test_q_in_a_dialog_is_the_dialogs_key(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("question_mark", "q")
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running
        await pilot.press("slash", *"bq")  # typed into the filter, not quitting
        assert isinstance(app.screen, SymbolPicker)
        assert app.screen.query_one("#picker-filter", Input).value == "bq"
