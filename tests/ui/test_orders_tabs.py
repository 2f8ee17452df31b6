"""Fills made visible: the notification of every fill, the History and Fills tabs, `o`, and our
own trades on the tape, against a real embedded exchange (issue 13)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from textual.pilot import Pilot

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.ui.app import DashboardApp
from cdx.ui.format import fmt_amount, fmt_price
from cdx.ui.widgets.order_history import OrderHistory
from cdx.ui.widgets.orders_panel import OrdersPanel
from cdx.ui.widgets.own_fills import OwnFills
from pilot_wait import until

if TYPE_CHECKING:
    from conftest import Dashboard, HostileServer

SYMBOL = "btcusdt"
DEMO = Credentials("demo", "demo-secret")

OTHER = "other-trader"
"""A second account on the exchange that trades against our resting orders."""


def rows(table: Any) -> list[str]:
    """A table's rows as the user reads them."""
    return [
        " ".join(str(cell).strip() for cell in table.get_row_at(index))
        for index in range(table.row_count)
    ]


def notes(app: DashboardApp, title_part: str = "") -> list[str]:
    """The messages of the notifications shown, whose title contains `title_part`."""
    return [notice.text for notice in app.told(title_part)]


def fill_notes(app: DashboardApp) -> list[str]:
    return [message for message in notes(app) if " filled " in message]


async def market_buy(pilot: Pilot, dash: Dashboard, quote: str) -> Order:
    """B, the quote amount, Enter, Enter; returns the order as the exchange holds it."""
    await pilot.press("B", *quote, "enter")
    await dash.until(pilot, lambda: dash.app.confirm.is_open, "confirmation")
    await pilot.press("enter")
    engine = dash.exchange.engine
    await dash.until(
        pilot, lambda: engine.all_orders("demo", SYMBOL, None, None), "the order executed"
    )
    [order] = engine.all_orders("demo", SYMBOL, None, None)
    assert order.type is OrderType.MARKET and order.status is OrderStatus.FILLED
    return order


def fund_other(dash: Dashboard) -> None:
    dash.exchange.engine.open_account(OTHER, {"btc": Decimal(5), "usdt": Decimal(500_000)})


def sell_into(dash: Dashboard, amount: str) -> None:
    """Another trader sells `amount` BTC at the market: it hits the best bid first."""
    dash.exchange.engine.place_order(
        OTHER, SYMBOL, Side.SELL, OrderType.MARKET, amount, None, int(time.time() * 1000)
    )


async def test_a_market_buy_notifies_its_fill_with_the_exchange_average(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        order = await market_buy(pilot, dashboard, "5000")
        await dashboard.until(pilot, lambda: fill_notes(app), "the fill notification")
        amount = fmt_amount(order.deal_volume, 6)
        average = fmt_price(order.avg_price, 2)
        assert fill_notes(app) == [
            f"Market buy filled {amount} BTC at avg {average} (order {order.id})"
        ]
        # Polls that follow never tell it again.
        await dashboard.polls(pilot, 3)
        assert len(fill_notes(app)) == 1


async def test_o_cycles_open_history_fills_and_back(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        panel = app.query_one(OrdersPanel)
        seen = []
        for _ in range(4):
            seen.append((panel.tab, panel.shown.display, panel.border_title))
            await pilot.press("o")
        assert [tab for tab, _, _ in seen] == ["open", "history", "fills", "open"]
        assert all(shown for _, shown, _ in seen)
        # The title names the three tabs whichever is shown.
        assert all(
            all(label in str(title) for label in ("Open", "History", "Fills"))
            for _, _, title in seen
        )


async def test_history_and_fills_tabs_list_a_market_buy(dashboard: Dashboard) -> None:
    app, engine = dashboard.app, dashboard.exchange.engine
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        order = await market_buy(pilot, dashboard, "5000")
        await pilot.press("o")
        history = app.query_one(OrderHistory)
        average = fmt_price(order.avg_price, 2)
        await dashboard.until(pilot, lambda: rows(history), "the history listed")
        [row] = rows(history)
        # What a trader asks first, then the id (the columns after it scroll into view).
        assert row.split()[1:6] == [
            "BUY",
            average,
            fmt_amount(order.deal_volume, 6),
            "filled",
            order.id,
        ]

        await pilot.press("o")
        fills = engine.fills("demo", SYMBOL)
        assert len(fills) > 1  # 5,000 USDT takes more than one level of this book
        table = app.query_one(OwnFills)
        await dashboard.until(pilot, lambda: len(rows(table)) == len(fills), "every fill listed")
        for shown, fill in zip(rows(table), fills, strict=True):
            assert fmt_price(fill.price, 2) in shown and fmt_amount(fill.volume, 6) in shown
            assert shown.split()[4] == order.id  # the fee follows, off-screen when narrow


async def test_our_trades_are_marked_on_the_tape(dashboard: Dashboard) -> None:
    app, engine = dashboard.app, dashboard.exchange.engine
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await market_buy(pilot, dashboard, "5000")
        fills = engine.fills("demo", SYMBOL)
        await dashboard.until(pilot, lambda: len(app.tape.own_ids) == len(fills), "marked")
        app.repaint_now()
        await pilot.pause()
        marked = [row for row in app.tape.rows if row.own]
        assert sorted((row.price, row.amount) for row in marked) == sorted(
            (fmt_price(f.price, 2), fmt_amount(f.volume, 6)) for f in fills
        )
        lines = [app.tape.render_line(y).text for y in range(app.tape.size.height)]
        assert sum(line.startswith("◆") for line in lines) == len(fills)


async def test_a_partly_filled_limit_order_shows_filled_and_average_once_per_fill(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        fund_other(dashboard)
        book = app.market.book(SYMBOL, 0)
        assert book is not None and book.best_bid is not None
        price = book.best_bid + Decimal("0.01")  # alone at the top of the bids
        await pilot.press("b", *str(price), "tab", *"0.01", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirm")
        await pilot.press("enter")
        await dashboard.until(pilot, lambda: dashboard.open_orders(), "resting")
        [ours] = dashboard.open_orders()
        await dashboard.until(pilot, lambda: app.tracker.live(SYMBOL), "shown open")

        sell_into(dashboard, "0.004")
        await dashboard.until(pilot, lambda: len(fill_notes(app)) == 1, "first fill told")
        sell_into(dashboard, "0.003")
        await dashboard.until(pilot, lambda: len(fill_notes(app)) == 2, "second fill told")
        shown = f"{fmt_price(price, 2)}"
        assert fill_notes(app) == [
            f"Limit buy filled 0.004000 BTC at avg {shown}, 0.004000 of 0.010000 so far "
            f"(order {ours.id})",
            f"Limit buy filled 0.003000 BTC at avg {shown}, 0.007000 of 0.010000 so far "
            f"(order {ours.id})",
        ]
        open_rows = rows(app.orders)
        # The fill is the row's second line: `@` the average under the price, filled under amount.
        assert open_rows == [f"BUY {shown}\n @{shown} 0.010000\n 0.007000 open\n filled {ours.id}"]
        await dashboard.polls(pilot, 2)
        assert len(fill_notes(app)) == 2


async def test_c_on_another_tab_cancels_nothing(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        book = app.market.book(SYMBOL, 0)
        assert book is not None and book.best_bid is not None
        await pilot.press("b", *str(book.best_bid - 100), "tab", *"0.01", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "confirm")
        await pilot.press("enter")
        await dashboard.until(pilot, lambda: dashboard.open_orders(), "resting")
        await pilot.press("o", "c")
        await pilot.pause()
        assert any("Open tab" in message for message in notes(app))
        assert len(dashboard.open_orders()) == 1


async def test_without_keys_history_and_fills_say_read_only(dashboard: Dashboard) -> None:
    async with RestClient(dashboard.exchange.rest_url, None) as rest:
        app = DashboardApp(rest, dashboard.exchange.ws_url, SYMBOL, poll_interval=0.2)
        async with app.run_test(size=(120, 40)) as pilot:
            await dashboard.until(pilot, lambda: app.symbol is not None, "symbols")
            panel = app.query_one(OrdersPanel)
            for tab in ("history", "fills"):
                await pilot.press("o")
                assert (panel.tab, panel.border_subtitle) == (tab, "read-only: no keys")


# A hostile server ----------------------------------------------------------------------------


@dataclass
class Fronted:
    """The dashboard behind the hostile front, and the exchange behind that (what `market_buy`
    needs of a `Dashboard`)."""

    app: DashboardApp
    exchange: Any

    async def until(self, pilot: Pilot, condition: Callable[[], object], what: str) -> None:
        await until(pilot, condition, what)


@pytest.fixture
async def fronted(hostile: HostileServer) -> AsyncIterator[Fronted]:
    async with RestClient(hostile.rest_url, DEMO) as rest:
        app = DashboardApp(rest, hostile.ws_url, SYMBOL, poll_interval=0.2)
        yield Fronted(app, hostile.exchange)


def with_garbage(hostile: HostileServer, path: str, garbage: list[Any]) -> None:
    """Have the exchange answer `path`, then add `garbage` entries to the answer's list."""

    async def handler(request: web.Request) -> web.Response:
        envelope = (await hostile.forward(request)).json()
        data = envelope["data"]
        key = "orderList" if "orderList" in data else "resultList"
        data[key] = [*garbage, *data[key]]
        data["count"] += len(garbage)
        return web.Response(text=json.dumps(envelope), content_type="application/json")

    hostile.on(path, handler)


GARBAGE: list[Any] = [
    None,
    "order",
    {"id": "x"},
    {"id": "99999999", "symbol": SYMBOL, "side": "SIDEWAYS", "price": "1", "volume": "1"},
    {"id": "1", "price": "1e400", "volume": -1, "deal_volume": "NaN", "status": 42},
]


async def test_garbage_in_the_order_lists_costs_only_the_entry(
    hostile: HostileServer, fronted: Fronted
) -> None:
    app, dash = fronted.app, fronted
    with_garbage(hostile, "/v1/allOrders", GARBAGE)
    with_garbage(hostile, "/v1/myTrades", GARBAGE)
    async with app.run_test(size=(120, 40)) as pilot:
        await dash.until(
            pilot, lambda: app.market.book(SYMBOL, 0) is not None and app.account, "ready"
        )
        order = await market_buy(pilot, dash, "5000")  # type: ignore[arg-type]
        await dash.until(pilot, lambda: fill_notes(app), "the fill told")
        await pilot.press("o")
        history = app.query_one(OrderHistory)
        await dash.until(pilot, lambda: rows(history), "history listed")
        assert [row.split()[5] for row in rows(history)] == [order.id]
        await pilot.press("o")
        fills = app.query_one(OwnFills)
        listed = hostile.exchange.engine.fills("demo", SYMBOL)
        await dash.until(pilot, lambda: len(rows(fills)) == len(listed), "fills listed")
        assert app.is_running and app.contained_failures == 0
