"""Nothing a trader needs is cut (issue 13, "nothing is clipped"), at 120x40 and 80x24: the
footer shows whole keys only, an order's Id stays whole in the Open tab (resting or partly
filled), and History shows a market order's average price and status whole."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from test_orders_tabs import OTHER, fund_other, market_buy
from textual.binding import Binding
from textual.widget import Widget

from cdx.model.order import OrderType, Side
from cdx.ui.app import DashboardApp
from cdx.ui.format import fmt_price
from cdx.ui.keys import DASHBOARD_BINDINGS
from cdx.ui.widgets.fitted_footer import FittedFooter
from cdx.ui.widgets.open_orders import OpenOrders
from cdx.ui.widgets.order_history import OrderHistory

if TYPE_CHECKING:
    from conftest import Dashboard

SIZES = [(120, 40), (80, 24)]


def screen_lines(app: DashboardApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def drawn(app: DashboardApp, widget: Widget) -> str:
    """The text of `widget`'s region of the terminal, as the user reads it."""
    region = widget.region
    lines = screen_lines(app)[region.y : region.y + region.height]
    return "\n".join(line[region.x : region.x + region.width] for line in lines)


def sell_down_to(dash: Dashboard, price: Decimal) -> None:
    """Another trader sells, at `price`, every bid above it and 0.002 more: the book moves
    meanwhile, so this reaches our bid at `price` however many levels went above it."""
    now = int(time.time() * 1000)
    book = dash.exchange.engine.book("btcusdt", 0, now)
    above = sum((amount for level, amount in book.bids if level > price), Decimal(0))
    dash.exchange.engine.place_order(
        OTHER, "btcusdt", Side.SELL, OrderType.LIMIT, str(above + Decimal("0.002")), str(price), now
    )


def whole(number: str, text: str) -> bool:
    """`number` appears in `text` with no digit cut off either side."""
    return re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,.])", text) is not None


@pytest.mark.parametrize("size", SIZES)
async def test_the_footer_shows_whole_keys_help_quit_and_panels_first(
    dashboard: Dashboard, size: tuple[int, int]
) -> None:
    app = dashboard.app
    async with app.run_test(size=size) as pilot:
        await dashboard.ready(pilot)
        footer = app.query_one(FittedFooter)
        line = screen_lines(app)[footer.region.y].rstrip()
        described = {
            (b.key_display or b.key, b.description)
            for b in Binding.make_bindings(DASHBOARD_BINDINGS)
        }
        shown = footer.shown_keys()
        # The line is exactly the keys on show, each whole, and each one of the bindings'.
        assert line == " ".join(f"{key} {words}" for key, words in shown)
        assert all((key, words) in described or key == "^p" for key, words in shown), shown
        assert [words for _, words in shown[:3]] == ["Help", "Quit", "Panels"]
        assert len(line) <= size[0]


@pytest.mark.parametrize("size", SIZES)
async def test_the_id_of_a_resting_and_of_a_partly_filled_order_is_whole(
    dashboard: Dashboard, size: tuple[int, int]
) -> None:
    app = dashboard.app
    async with app.run_test(size=size) as pilot:
        await dashboard.ready(pilot)
        fund_other(dashboard)
        book = app.market.book("btcusdt", 0)
        assert book is not None and book.best_bid is not None
        top = book.best_bid + Decimal("0.01")
        for price in (book.best_bid - 100, top):
            await pilot.press("b", *str(price), "tab", *"0.01", "enter")
            await dashboard.until(pilot, lambda: app.confirm.is_open, "confirm")
            await pilot.press("enter")
            await dashboard.until(pilot, lambda: not app.confirm.is_open, "ok")
            await pilot.press("escape")
        await dashboard.until(pilot, lambda: len(dashboard.open_orders()) == 2, "both resting")
        table = app.query_one(OpenOrders)
        for _ in range(8):
            if any(order.deal_volume > 0 for order in dashboard.open_orders()):
                break
            sell_down_to(dashboard, top)
            await pilot.pause(0.05)
        await dashboard.until(pilot, lambda: "filled" in drawn(app, table), "fill shown")
        text = drawn(app, table)
        for order in dashboard.open_orders():
            assert whole(str(order.id), text), text
        assert "open" in text


@pytest.mark.parametrize("size", SIZES)
async def test_history_shows_a_market_orders_average_and_status_whole(
    dashboard: Dashboard, size: tuple[int, int]
) -> None:
    app = dashboard.app
    async with app.run_test(size=size) as pilot:
        await dashboard.ready(pilot)
        order = await market_buy(pilot, dashboard, "100")
        await pilot.press("o")
        history = app.query_one(OrderHistory)
        average = fmt_price(order.avg_price, 2)
        await dashboard.until(pilot, lambda: average in drawn(app, history), "history row")
        [row] = [line for line in drawn(app, history).splitlines() if average in line]
        assert whole(average, row) and re.search(r" filled\b", row), row
