"""Trading from the ladder against a real exchange: the cursor's price, `x`, `m`, default size."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.pilot import Pilot
from textual.widgets import Input, Static

from cdx.client.rest import RestClient
from cdx.client.tracker import TrackedState
from cdx.model.book import Book
from cdx.model.order import Order, OrderType, Side
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from cdx.ui.screens.amount_prompt import AmountPrompt
from cdx.ui.widgets.ladder import MOVE_MARKER

if TYPE_CHECKING:
    from conftest import Dashboard

SYMBOL = "btcusdt"


def now_ms() -> int:
    return int(time.time() * 1000)


def book(dash: Dashboard) -> Book:
    shown = dash.app.market.book(SYMBOL, 0)
    assert shown is not None and shown.bids and shown.asks
    return shown


def notes(dash: Dashboard) -> list[str]:
    return [notice.line for notice in dash.app.told()]


async def rest_ours(pilot: Pilot, dash: Dashboard, price: Decimal, amount: str = "0.01") -> Order:
    """An order of ours placed behind the dashboard's back (another terminal), once the
    dashboard shows it open."""
    placed = dash.exchange.engine.place_order(
        "demo", SYMBOL, Side.BUY, OrderType.LIMIT, amount, str(price), now_ms()
    )

    def shown() -> bool:
        return any(
            o.order_id == placed.id and o.state is TrackedState.OPEN
            for o in dash.app.tracker.live(SYMBOL)
        )

    await dash.until(pilot, shown, f"order {placed.id} open on the dashboard")
    return placed


async def cursor_to(pilot: Pilot, dash: Dashboard, price: Decimal) -> None:
    """Walk the ladder cursor to `price` with the arrow keys, as a user would."""
    ladder = dash.app.ladder
    for _ in range(60):
        if ladder.cursor_price == price:
            return
        current = ladder.cursor_price
        assert current is not None
        await pilot.press("down" if current > price else "up")
    raise AssertionError(f"cursor never reached {price}")


async def test_cursor_starts_at_the_spread_and_keeps_its_price_as_bids_arrive_above_it(
    dashboard: Dashboard,
) -> None:
    app, engine = dashboard.app, dashboard.exchange.engine
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        first = book(dashboard)
        assert (app.ladder.cursor_side, app.ladder.cursor_price) == (Side.SELL, first.best_ask)
        target = first.bids[1][0]
        await cursor_to(pilot, dashboard, target)
        # Another trader bids twice inside the spread: two new levels above the cursor.
        engine.open_account("other", {"usdt": Decimal(1_000_000), "btc": Decimal(100)})
        assert first.best_bid is not None and first.best_ask is not None
        tick = Decimal("0.01")
        for price in (first.best_bid + tick, first.best_bid + 2 * tick):
            assert price < first.best_ask
            engine.place_order("other", SYMBOL, Side.BUY, OrderType.LIMIT, "1", str(price), 0)
        await dashboard.until(
            pilot, lambda: book(dashboard).best_bid == first.best_bid + 2 * tick, "new bids"
        )
        app.repaint_now()
        await pilot.pause()
        assert (app.ladder.cursor_side, app.ladder.cursor_price) == (Side.BUY, target)
        [row] = [row for row in app.ladder.rows if row.cursor]
        assert row.price.strip() == f"{target:,.2f}"
        await pilot.press("up")
        assert app.ladder.cursor_price == first.best_bid


async def test_x_cancels_our_order_at_the_cursors_price(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        price = book(dashboard).bids[2][0]
        await rest_ours(pilot, dashboard, price)
        await cursor_to(pilot, dashboard, price)
        await pilot.press("x")
        await dashboard.until(pilot, lambda: dashboard.open_orders() == [], "order cancelled")


async def test_x_with_two_orders_at_the_price_lists_them_and_asks_first(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        price = book(dashboard).bids[2][0]
        first = await rest_ours(pilot, dashboard, price)
        second = await rest_ours(pilot, dashboard, price, "0.02")
        await cursor_to(pilot, dashboard, price)
        await pilot.press("x")
        screen = app.confirm
        assert screen.is_open
        assert first.id in screen.question and second.id in screen.question
        await pilot.press("escape")
        assert len(dashboard.open_orders()) == 2
        await pilot.press("x", "enter")
        await dashboard.until(pilot, lambda: dashboard.open_orders() == [], "both cancelled")


async def test_m_moves_our_order_to_the_cursors_new_price_in_one_confirmed_action(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        levels = book(dashboard).bids
        old, new = levels[2][0], levels[5][0]
        ours = await rest_ours(pilot, dashboard, old)
        await cursor_to(pilot, dashboard, old)
        await pilot.press("m")
        assert any(row.price.strip() == f"{old:,.2f}" for row in app.ladder.rows if row.moving)
        assert any(line.startswith(MOVE_MARKER) for line in ladder_text(dashboard))
        await cursor_to(pilot, dashboard, new)
        await pilot.press("m")
        screen = app.confirm
        assert screen.is_open
        assert screen.question.startswith(
            f"Move order {ours.id} BUY 0.010000 @ {old:,.2f} → {new:,.2f}?"
        )
        await pilot.press("enter")

        def moved() -> bool:
            orders = dashboard.open_orders()
            return len(orders) == 1 and orders[0].price == new and orders[0].id != ours.id

        await dashboard.until(pilot, moved, "one order, at the new price")
        await dashboard.until(
            pilot, lambda: any("Order moved" in note for note in notes(dashboard)), "told"
        )
        assert not app.ladder.moving


async def test_escape_aborts_a_move_and_leaves_the_order(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        levels = book(dashboard).bids
        ours = await rest_ours(pilot, dashboard, levels[2][0])
        await cursor_to(pilot, dashboard, levels[2][0])
        await pilot.press("m", "down", "escape")
        assert not app.ladder.moving
        await pilot.press("enter")  # Enter is the form again, not a move
        assert not app.confirm.is_open
        assert [o.id for o in dashboard.open_orders()] == [ours.id]


async def test_a_move_whose_cancel_fails_places_nothing(dashboard: Dashboard) -> None:
    app, engine = dashboard.app, dashboard.exchange.engine
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        levels = book(dashboard).bids
        old, new = levels[2][0], levels[4][0]
        ours = await rest_ours(pilot, dashboard, old)
        await cursor_to(pilot, dashboard, old)
        await pilot.press("m")
        await cursor_to(pilot, dashboard, new)
        await pilot.press("m")
        # Another terminal cancels the order while the dialog is open: our cancel fails.
        engine.cancel_order("demo", SYMBOL, ours.id, now_ms())
        await pilot.press("enter")
        await dashboard.until(
            pilot, lambda: any("Move failed" in note for note in notes(dashboard)), "told"
        )
        await dashboard.polls(pilot)
        assert dashboard.open_orders() == []
        assert all(o.price != new for o in app.tracker.live(SYMBOL))


def ladder_text(dash: Dashboard) -> list[str]:
    ladder = dash.app.ladder
    return [ladder.render_line(y).text for y in range(ladder.size.height)]


async def test_default_size_from_the_form_makes_b_ask_at_once_at_the_cursors_price(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b", "tab", *"0.01", "ctrl+d", "escape")
        assert app.default_size() == Decimal("0.01")
        price = book(dashboard).bids[1][0]
        await cursor_to(pilot, dashboard, price)
        await pilot.press("b")
        screen = app.confirm
        assert screen.is_open
        assert screen.question.startswith(f"Buy 0.010000 BTC at {price:,.2f} USDT (limit)")
        await pilot.press("enter")

        def placed() -> bool:
            orders = dashboard.open_orders()
            return [(o.price, o.volume) for o in orders] == [(price, Decimal("0.01"))]

        await dashboard.until(pilot, placed, "the order on the exchange")
        assert app.focused is app.ladder  # the next b / s is one key away


async def test_default_size_from_the_palette(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("ctrl+p", *"Default size")
        await dashboard.until(pilot, lambda: "Default size" in palette_text(dashboard), "entry")
        await pilot.press("enter")
        await dashboard.until(pilot, lambda: isinstance(app.screen, AmountPrompt), "prompt")
        await pilot.press(*"0.02", "enter")
        assert app.default_size() == Decimal("0.02")
        await pilot.press("s")  # the cursor starts on the best ask
        screen = app.confirm
        assert screen.is_open
        assert screen.question.startswith(f"Sell 0.020000 BTC at {book(dashboard).asks[0][0]:,.2f}")
        await pilot.press("escape")
        assert dashboard.open_orders() == []


def palette_text(dash: Dashboard) -> str:
    from textual.command import CommandList

    lists = dash.app.screen.query(CommandList)
    return " ".join(str(option.prompt) for lst in lists for option in lst._options)


async def test_a_default_size_the_balance_cannot_pay_opens_the_form_with_the_reason(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b", "tab", *"1000", "ctrl+d", "escape")
        await pilot.press("b")
        assert not app.confirm.is_open
        assert app.query_one("#amount", Input).value == "1000.000000"
        message = app.query_one("#form-message", Static)
        await dashboard.until(
            pilot, lambda: "Not enough USDT" in str(message.render()), "the reason in the form"
        )


async def test_read_only_ladder_keys_say_so(exchange: RunningExchange) -> None:
    async with RestClient(exchange.rest_url, None) as rest:
        app = DashboardApp(rest, exchange.ws_url, SYMBOL)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("x", "m")
            await pilot.pause()
            line = app.message_line
            assert line is not None
            (said,) = line.notices.recent()  # the same refusal twice: one line, counted
            assert said.text.startswith("Read-only") and said.repeats == 2


async def test_help_lists_the_ladder_keys(dashboard: Dashboard) -> None:
    from cdx.ui.screens.help import HelpScreen

    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        keys = dict(screen.rows)
        assert keys["x"] == "Cancel at price" and keys["m"] == "Move order"
        assert keys["PageUp"] == "Page up" and keys["PageDown"] == "Page down"
        assert keys["Home"] == "Back to the spread"
        assert keys["^d"] == "Default size"
