"""Placing and cancelling orders with the keys a user presses, against a real exchange."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.pilot import Pilot
from textual.widgets import Input, Static

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.client.tracker import TrackedState
from cdx.model.order import OrderType, Side
from cdx.server.runner import RunningExchange
from cdx.ui.app import DashboardApp
from cdx.ui.widgets.balances import BalancesPanel
from cdx.ui.widgets.ladder import Ladder, RowKind
from cdx.ui.widgets.open_orders import OpenOrders

if TYPE_CHECKING:
    from conftest import Dashboard


NOW_MS = int(time.time() * 1000)
"""A creation time the client's gate accepts for orders placed behind the dashboard's back."""


def best_bid(dash: Dashboard) -> Decimal:
    book = dash.app.market.book("btcusdt", 0)
    assert book is not None and book.best_bid is not None
    return book.best_bid


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def place_limit_buy(pilot: Pilot, dash: Dashboard, price: Decimal, amount: str) -> None:
    """b, a price, Tab, an amount, Enter, Enter: the issue's own recipe."""
    before = len(dash.open_orders())
    await pilot.press("b")
    await type_text(pilot, str(price))
    await pilot.press("tab")
    await type_text(pilot, amount)
    await pilot.press("enter")
    await dash.until(pilot, lambda: dash.app.confirm.is_open, "confirmation")
    await pilot.press("enter")
    await dash.until(pilot, lambda: len(dash.open_orders()) == before + 1, "order on the exchange")


def shown_orders(dash: Dashboard) -> list[str]:
    """The open-orders table as text rows."""
    table = dash.app.query_one(OpenOrders)
    return [
        " ".join(str(cell).strip() for cell in table.get_row_at(index))
        for index in range(table.row_count)
    ]


async def test_b_prefills_best_ask_and_typing_replaces_it(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        book = app.market.book("btcusdt", 0)
        assert book is not None and book.best_ask is not None
        await pilot.press("b")
        price = app.query_one("#price", Input)
        assert app.focused is price
        assert price.value == f"{book.best_ask:.2f}"
        await type_text(pilot, "123")
        assert price.value == "123"


async def test_limit_buy_rests_shows_in_orders_and_ladder_and_locks_quote(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        price = best_bid(dashboard) - Decimal("5.00")
        await pilot.press("b")
        await type_text(pilot, str(price))
        await pilot.press("tab")
        await type_text(pilot, "0.01")
        await pilot.press("enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirmation")
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert question.startswith(f"Buy 0.010000 BTC at {price:,.2f} USDT (limit)")
        await pilot.press("enter")
        await dashboard.until(
            pilot, lambda: len(dashboard.open_orders()) == 1, "order on the exchange"
        )

        [order] = dashboard.open_orders()
        assert (order.side, order.type, order.price) == (Side.BUY, OrderType.LIMIT, price)
        await dashboard.until(
            pilot,
            lambda: any(row.endswith(f"open {order.id}") for row in shown_orders(dashboard)),
            "order listed as open",
        )
        ladder = app.query_one(Ladder)
        await dashboard.until(
            pilot,
            lambda: any(
                row.own and row.price == f"{price:,.2f}"
                for row in ladder.rows
                if row.kind is RowKind.BID
            ),
            "own order marked in the ladder",
        )
        locked = price * Decimal("0.01")
        assert dashboard.balance("usdt")[1] == locked
        await dashboard.until(
            pilot,
            lambda: (
                app.query_one(BalancesPanel).balances
                and any(
                    b.coin == "usdt" and b.locked == locked
                    for b in app.query_one(BalancesPanel).balances
                )
            ),
            "quote shown as locked",
        )


async def test_c_cancels_the_selected_order_and_unlocks(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await place_limit_buy(pilot, dashboard, best_bid(dashboard) - 7, "0.01")
        assert app.focused is app.query_one(OpenOrders)
        await dashboard.until(pilot, lambda: app.query_one(OpenOrders).selected is not None, "row")
        await dashboard.until(
            pilot,
            lambda: app.query_one(OpenOrders).selected.state is TrackedState.OPEN,
            "acknowledged",
        )
        await pilot.press("c")
        await dashboard.until(pilot, lambda: not dashboard.open_orders(), "order cancelled")
        assert dashboard.balance("usdt")[1] == 0
        await dashboard.until(pilot, lambda: shown_orders(dashboard) == [], "open orders empty")


async def test_shift_c_cancels_all_after_confirmation(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await place_limit_buy(pilot, dashboard, best_bid(dashboard) - 9, "0.01")
        await place_limit_buy(pilot, dashboard, best_bid(dashboard) - 11, "0.02")
        await dashboard.until(pilot, lambda: len(shown_orders(dashboard)) == 2, "both listed")
        await dashboard.until(
            pilot,
            lambda: all(" open " in row for row in shown_orders(dashboard)),
            "both acknowledged",
        )
        await pilot.press("C")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirmation")
        assert len(dashboard.open_orders()) == 2
        await pilot.press("y")
        await dashboard.until(pilot, lambda: not dashboard.open_orders(), "all cancelled")
        await dashboard.until(pilot, lambda: shown_orders(dashboard) == [], "open orders empty")


async def test_escape_aborts_the_confirmation(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b")
        await type_text(pilot, str(best_bid(dashboard) - 3))
        await pilot.press("tab", *"0.01", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirmation")
        await pilot.press("escape")
        await dashboard.polls(pilot)  # long enough for an order, had one been sent
        assert not app.confirm.is_open
        assert dashboard.open_orders() == []


async def test_market_buy_spends_quote_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        usdt_before = dashboard.balance("usdt")[0]
        btc_before = dashboard.balance("btc")[0]
        await pilot.press("B")
        assert app.focused is app.query_one("#amount", Input)
        assert "USDT to spend" in str(app.query_one("#amount-unit").render())
        await type_text(pilot, "100")
        await pilot.press("enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirmation")
        question = str(app.screen.query_one("#confirm-question", Static).render())
        assert question.startswith("Buy BTC for 100.00 USDT (market)")
        await pilot.press("enter")
        await dashboard.until(
            pilot, lambda: dashboard.balance("usdt")[0] < usdt_before - 99, "quote spent"
        )
        assert dashboard.balance("btc")[0] > btc_before
        await dashboard.until(
            pilot,
            lambda: (
                app.account is not None
                and app.account.balance("usdt").available == dashboard.balance("usdt")[0]
            ),
            "balances updated on screen",
        )


async def test_market_sell_sells_base_amount(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        btc_before = dashboard.balance("btc")[0]
        await pilot.press("S")
        await type_text(pilot, "0.01")
        await pilot.press("enter", "enter")
        await dashboard.until(
            pilot, lambda: dashboard.balance("btc")[0] == btc_before - Decimal("0.01"), "sold"
        )


async def test_enter_on_a_ladder_row_opens_the_form_at_that_price(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        ladder = app.query_one(Ladder)
        assert app.focused is ladder
        await pilot.press("down", "down", "enter")
        form = app.query_one("#form")
        assert form.side is Side.BUY
        price = app.query_one("#price", Input)
        assert app.focused is price
        assert Decimal(price.value) == ladder.cursor_price < best_bid(dashboard) + 1
        await pilot.press("escape")
        assert app.focused is ladder
        await pilot.press("up", "up", "up", "enter")
        assert form.side is Side.SELL


async def test_invalid_amounts_show_a_message_and_send_nothing(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        message = app.query_one("#form-message", Static)
        amount = app.query_one("#amount", Input)
        cases = {
            "abc": "Amount is not a number",
            "0.0000001": "Amount allows at most 6 decimals",
            "0.00001": "Amount below the minimum",
            "500": "Not enough USDT",
        }
        await pilot.press("b")
        await type_text(pilot, str(best_bid(dashboard) - 1))
        await pilot.press("tab")
        for typed, expected in cases.items():
            amount.value = ""
            await type_text(pilot, typed)
            assert amount.value == typed  # letters typed in a field are text, not bindings
            await pilot.press("enter")
            await pilot.pause()
            assert str(message.render()).startswith(expected), typed
            assert not app.confirm.is_open
        await dashboard.polls(pilot)  # long enough for an order, had one been sent
        assert dashboard.open_orders() == []
        assert app.tracker.all() == []


async def test_an_order_in_flight_shows_as_pending(dashboard: Dashboard) -> None:
    app, exchange = dashboard.app, dashboard.exchange
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b", *str(best_bid(dashboard) - 6), "tab", *"0.01", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirm")
        exchange.faults.rest_delay = 0.5  # the answer is slow, not lost
        await pilot.press("enter")
        await dashboard.until(
            pilot, lambda: any(" pending " in f" {r} " for r in shown_orders(dashboard)), "pending"
        )
        exchange.faults.rest_delay = 0.0
        await dashboard.until(
            pilot, lambda: any(" open " in f" {r} " for r in shown_orders(dashboard)), "open"
        )
        assert len(dashboard.open_orders()) == 1


async def test_a_rejected_order_is_explained_in_the_form(dashboard: Dashboard) -> None:
    app, exchange = dashboard.app, dashboard.exchange
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        price = best_bid(dashboard) - 100
        await pilot.press("b", *str(price), "tab", *"3", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirm")
        # Meanwhile the same account spends its quote elsewhere (another terminal, say).
        exchange.engine.place_order(
            "demo", "btcusdt", Side.BUY, OrderType.LIMIT, "3", str(price), 1_700_000_000_000
        )
        await pilot.press("enter")
        message = app.query_one("#form-message", Static)
        await dashboard.until(
            pilot, lambda: str(message.render()).startswith("Not placed: "), "refusal shown"
        )
        assert "insufficient" in str(message.render())
        assert "not placed" not in str(message.render()).lower().removeprefix("not placed")
        assert len(dashboard.open_orders()) == 1  # only the other terminal's order
        await dashboard.until(pilot, lambda: len(shown_orders(dashboard)) == 1, "one row")


async def test_an_order_beyond_the_first_page_of_open_orders_stays_open(
    dashboard: Dashboard,
) -> None:
    """More open orders than one `openOrders` page holds: ours must not be taken for filled."""
    app, exchange = dashboard.app, dashboard.exchange
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        low = best_bid(dashboard) - 500
        await place_limit_buy(pilot, dashboard, low, "0.001")
        [ours] = dashboard.open_orders()
        shown = f"open {ours.id}"
        await dashboard.until(
            pilot, lambda: any(r.endswith(shown) for r in shown_orders(dashboard)), "ours shown"
        )
        # Another terminal of the same account places 210 newer orders: ours is now on page 2.
        for n in range(210):
            exchange.engine.place_order(
                "demo", "btcusdt", Side.BUY, OrderType.LIMIT, "0.0003", str(low - 1 - n), NOW_MS
            )
        await dashboard.until(pilot, lambda: len(shown_orders(dashboard)) == 211, "all listed")
        for _ in range(3):  # a few more polls must not change our order's fate
            before = app.tracker.token()
            await dashboard.until(
                pilot, lambda before=before: app.tracker.token() != before, "another poll"
            )
        [tracked] = [o for o in app.tracker.all("btcusdt") if o.order_id == ours.id]
        assert tracked.state is TrackedState.OPEN
        assert any(r.endswith(shown) for r in shown_orders(dashboard))


async def test_an_amount_is_not_carried_into_another_coin(dashboard: Dashboard) -> None:
    """500 typed as USDT to spend must not become 500 BTC to sell when the form changes."""
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        amount = app.query_one("#amount", Input)
        await pilot.press("B", *"500")
        assert amount.value == "500"
        await pilot.press("escape", "s")
        assert amount.value == ""
        await pilot.press("tab", *"0.01", "ctrl+o")  # limit sell -> market sell: still BTC
        assert amount.value == "0.01"
        await pilot.press("ctrl+t")  # market sell -> market buy: now USDT
        assert amount.value == ""


async def test_a_rejected_secret_is_shown_in_balances_and_told_once_while_polls_go_on(
    exchange: RunningExchange,
) -> None:
    """A wrong secret: said where the balances would be, and on the message line once, while
    the poller keeps asking (slowly) in case the key is fixed on the exchange's side."""
    async with RestClient(exchange.rest_url, Credentials("demo", "not-the-secret")) as rest:
        app = DashboardApp(rest, exchange.ws_url, "btcusdt", poll_interval=0.05)
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.query_one(BalancesPanel)

            def polling() -> bool:
                return any(w.group == "poll" and not w.is_finished for w in app.workers)

            def shown() -> str:
                """The panel's text as read, its wrapped lines joined."""
                lines = (panel.render_line(y).text for y in range(panel.size.height))
                return " ".join(" ".join(lines).split())

            deadline = asyncio.get_running_loop().time() + 10
            while "signature rejected" not in shown():
                assert asyncio.get_running_loop().time() < deadline, shown()
                await pilot.pause(0.05)
            assert "CDX_API_SECRET" in shown()
            await pilot.pause(0.8)  # a few more refused polls (every 0.25 s)
            assert polling()
            assert len(app.told("API key refused")) == 1
            assert app.account is None
