"""The order preview and the available balance, as a trader types an order (issue 13).

The seeded market is frozen, so the book the test reads is the book the preview walks; every
expected figure is worked out here from that book's levels, not by the code under test.
"""

from __future__ import annotations

import time
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import TYPE_CHECKING

from textual.widgets import Input, Static

from cdx.model.book import Book
from cdx.model.order import OrderType, Side
from cdx.ui.format import fmt_amount, fmt_price
from cdx.ui.preview_text import CROSSING

if TYPE_CHECKING:
    from conftest import Dashboard

LOT = Decimal("0.000001")
NOW_MS = int(time.time() * 1000)


def book_of(dash: Dashboard) -> Book:
    book = dash.app.market.book("btcusdt", 0)
    assert book is not None and book.best_bid is not None and book.best_ask is not None
    return book


def text_of(dash: Dashboard, selector: str) -> str:
    return str(dash.app.screen.query_one(selector, Static).render())


def signed(value: Decimal) -> str:
    text = fmt_price(value, 2)
    return text if text.startswith("-") else "+" + text


async def test_typing_an_amount_shows_the_estimate_from_the_book(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        (p1, a1), (p2, a2) = book_of(dashboard).bids[:2]
        await pilot.press("S", *str(a1 + a2))
        # Sold into the two best bids: (p1 a1 + p2 a2) / (a1 + a2), the worst price p2.
        average = (p1 * a1 + p2 * a2) / (a1 + a2)
        received = (p1 * a1 + p2 * a2) * Decimal("0.999")
        preview = text_of(dashboard, "#form-preview")
        assert f"Get ≈ {fmt_price(received, 2)} USDT at avg {fmt_price(average, 2)}" in preview
        assert f"worst {fmt_price(p2, 2)}" in preview
        assert "Available 2.000000 BTC" in text_of(dashboard, "#form-available")


async def test_enter_on_a_market_sell_shows_average_worst_and_slippage(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        book = book_of(dashboard)
        levels = book.bids[:3]
        amount = sum((a for _, a in levels), Decimal(0))
        await pilot.press("S", *str(amount), "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "dialog")
        proceeds = sum((p * a for p, a in levels), Decimal(0))
        average, worst = proceeds / amount, levels[-1][0]
        mid = (book.best_bid + book.best_ask) / 2
        details = text_of(dashboard, "#confirm-details")
        assert "Estimate from the book, 3 levels:" in details
        assert f"Average {fmt_price(average, 2)}, worst {fmt_price(worst, 2)} USDT" in details
        assert f"({signed(mid - average)} USDT) against the mid {fmt_price(mid, 3)}" in details
        fee = proceeds / 1000
        assert f"Receive ≈ {fmt_amount(proceeds - fee, 2)} USDT after the 0.1 % fee" in details
        share = amount / 2 * 100
        assert f"Uses {fmt_price(share, 2)}% of the 2.000000 BTC available" in details
        assert not app.query_one("#confirm-warning").display


async def test_enter_on_a_market_buy_shows_what_it_gets_through_two_levels(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        (p1, a1), (p2, _) = book_of(dashboard).asks[:2]
        spend = (p1 * a1).quantize(Decimal("0.01"), ROUND_UP) + 100
        await pilot.press("B", *str(spend), "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "dialog")
        # All of the best ask, then whole lots of the second with what is left.
        second = ((spend - p1 * a1) / p2).quantize(LOT, ROUND_DOWN)
        bought = a1 + second
        average = (p1 * a1 + p2 * second) / bought
        details = text_of(dashboard, "#confirm-details")
        assert f"Receive ≈ {fmt_amount(bought * Decimal('0.999'), 6)} BTC" in details
        assert f"Average {fmt_price(average, 2)}, worst {fmt_price(p2, 2)} USDT" in details
        assert "Slippage +" in details


async def test_a_market_order_larger_than_the_book_is_warned(dashboard: Dashboard) -> None:
    app, engine = dashboard.app, dashboard.exchange.engine
    # Another trader sells into the bids first, leaving less than the demo account's 2 BTC.
    engine.open_account("whale", {"btc": Decimal("6.5")})
    engine.place_order("whale", "btcusdt", Side.SELL, OrderType.MARKET, "6.5", None, NOW_MS)
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        depth = sum((a for _, a in book_of(dashboard).bids), Decimal(0))
        assert depth < 2
        await pilot.press("S", *"2", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "dialog")
        left = fmt_amount(2 - depth, 6)
        assert text_of(dashboard, "#confirm-warning") == (
            f"Larger than the visible book: {left} BTC would not fill (it expires)"
        )


async def test_fifty_percent_fills_half_the_available(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        amount = app.query_one("#amount", Input)
        btc, _ = dashboard.balance("btc")
        await pilot.press("S", *"50%")
        assert Decimal(amount.value) == btc / 2
        usdt, _ = dashboard.balance("usdt")
        await pilot.press("ctrl+t", "f3")  # market buy: half of the quote coin
        assert Decimal(amount.value) == (usdt / 2).quantize(Decimal("0.01"), ROUND_DOWN)
        # A limit buy counts the amount from the price: available quote / price, rounded down.
        price = book_of(dashboard).best_bid - 100
        await pilot.press("escape", "b", *str(price), "tab", *"max")
        assert Decimal(amount.value) == (usdt / price).quantize(LOT, ROUND_DOWN)
        assert "uses 100.0%" in text_of(dashboard, "#form-available")


async def test_a_shortcut_typed_with_enter_in_one_burst_is_resolved_first(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("S", "2", "5", "%", "enter")
        await dashboard.until(pilot, lambda: app.confirm.is_open, "dialog")
        assert app.confirm.question.startswith("Sell 0.500000 BTC at market")


async def test_an_amount_over_the_available_is_refused_with_the_available(
    dashboard: Dashboard,
) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("S", *"2.5", "enter")
        await pilot.pause()
        assert not app.confirm.is_open
        message = text_of(dashboard, "#form-message")
        assert message == "Not enough BTC: need 2.500000, available 2.000000"


async def test_b_at_the_best_ask_says_it_crosses_the_spread(dashboard: Dashboard) -> None:
    app = dashboard.app
    async with app.run_test(size=(120, 40)) as pilot:
        await dashboard.ready(pilot)
        await pilot.press("b")
        assert app.query_one("#price", Input).value == f"{book_of(dashboard).best_ask:.2f}"
        assert text_of(dashboard, "#form-preview") == CROSSING
        # A price below the best ask rests: nothing to say.
        await pilot.press(*str(book_of(dashboard).best_bid))
        assert text_of(dashboard, "#form-preview") == ""
