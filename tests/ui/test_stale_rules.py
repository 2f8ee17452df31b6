"""The rules of "stale means stop" without a server: when data is stale, what the screen and
the refusal say, what a stale screen costs while nothing changes, and which order changes
across an outage are news.

`MarketState` takes a fake clock; the widgets run in a small host app; the reconnect watch is
fed the orders a poll would list.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult

from cdx.client.stream import (
    ConnectionState,
    DepthEvent,
    HeartbeatEvent,
    StatusEvent,
    SubscriptionEvent,
)
from cdx.client.tracker import OrderTracker
from cdx.model.book import Book
from cdx.model.market import Ticker
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import channels
from cdx.ui import STYLES_DIR
from cdx.ui.reconnect import Changes, ReconnectWatch, notices
from cdx.ui.stale import StaleMarks, refusal, stale_label
from cdx.ui.state import MarketState, Staleness
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.order_form import OrderForm
from cdx.ui.widgets.ticker_bar import TickerBar

SYMBOL = "btcusdt"
BTC = Symbol(
    name=SYMBOL,
    base="btc",
    quote="usdt",
    price_precision=2,
    amount_precision=6,
    min_amount=Decimal("0.0001"),
    min_value=Decimal("5"),
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def book() -> Book:
    return Book(asks=((Decimal(101), Decimal(1)),), bids=((Decimal(100), Decimal(2)),))


def connected_state() -> tuple[MarketState, FakeClock]:
    clock = FakeClock()
    state = MarketState(clock)
    state.apply(StatusEvent(ConnectionState.CONNECTING, "connecting"))
    state.apply(StatusEvent(ConnectionState.CONNECTED, "connected"))
    state.apply(DepthEvent(SYMBOL, 0, book()))
    return state, clock


# ---------------------------------------------------------------- when data is stale


def test_nothing_is_stale_before_the_first_connection() -> None:
    state = MarketState(FakeClock())
    assert state.staleness(SYMBOL) is None
    state.apply(StatusEvent(ConnectionState.CONNECTING, "connecting"))
    assert state.staleness(SYMBOL) is None


def test_past_two_seconds_of_age_is_stale_and_a_push_makes_it_live() -> None:
    state, clock = connected_state()
    clock.now += 2.0
    assert state.staleness(SYMBOL) is None
    clock.now += 0.1
    staleness = state.staleness(SYMBOL)
    assert staleness is not None and staleness.why == ""
    assert staleness.age == pytest.approx(2.1)
    state.apply(DepthEvent(SYMBOL, 0, book()))
    assert state.staleness(SYMBOL) is None


def test_a_lost_link_is_stale_at_once_and_a_new_link_needs_a_new_book() -> None:
    state, _ = connected_state()
    state.apply(StatusEvent(ConnectionState.RECONNECTING, "closed; retrying in 0.5 s"))
    assert state.staleness(SYMBOL) == Staleness(age=0.0, why="reconnecting")
    state.apply(StatusEvent(ConnectionState.CONNECTED, "connected"))
    state.apply(HeartbeatEvent())  # the link is proven, the old book is not
    assert state.staleness(SYMBOL) == Staleness(age=0.0, why="waiting for the book")
    state.apply(DepthEvent(SYMBOL, 0, book()))
    assert state.staleness(SYMBOL) is None


def test_a_refused_ladder_feed_is_stale_even_while_heartbeats_arrive() -> None:
    state, _ = connected_state()
    state.apply(SubscriptionEvent(channels.depth(SYMBOL, 0), "busy"))
    state.apply(HeartbeatEvent())
    assert state.staleness(SYMBOL) == Staleness(age=0.0, why="ladder feed refused")
    state.apply(SubscriptionEvent(channels.depth(SYMBOL, 0), None))
    assert state.staleness(SYMBOL) is None
    state.apply(SubscriptionEvent(channels.trade(SYMBOL), "busy"))  # the tape is not traded on
    assert state.staleness(SYMBOL) is None


def test_what_the_screen_and_the_refusal_say() -> None:
    assert stale_label(None) is None and refusal(None) is None
    assert stale_label(Staleness(3.42)) == "STALE 3s"
    assert stale_label(Staleness(36.5, "reconnecting")) == "STALE 36s reconnecting"
    assert stale_label(Staleness(None, "reconnecting")) == "STALE reconnecting"
    assert refusal(Staleness(3.42)) == "Book is 3.4 s old (stale): not sending; wait for live data"
    assert refusal(Staleness(5.0, "disconnected")) == (
        "Book is 5.0 s old (stale, disconnected): not sending; wait for live data"
    )


# ---------------------------------------------------------------- what the screen costs


class Host(App[None]):
    CSS_PATH: ClassVar = [STYLES_DIR / "widgets.tcss", STYLES_DIR / "app.tcss"]

    def compose(self) -> ComposeResult:
        yield TickerBar(id="ticker")
        yield Ladder(id="ladder")
        yield OrderForm(id="form")


class Draws:
    """Counts the calls of a widget's drawing method (what a repaint costs)."""

    def __init__(self, widget: object, method: str) -> None:
        self.count = 0
        original = getattr(widget, method)

        def counted(*args: object) -> object:
            self.count += 1
            return original(*args)

        setattr(widget, method, counted)


async def test_a_stale_screen_repaints_only_when_the_seconds_change() -> None:
    host = Host()
    async with host.run_test(size=(100, 30)) as pilot:
        ticker, ladder = host.query_one(TickerBar), host.query_one(Ladder)
        form = host.query_one(OrderForm)
        ticker.show(Ticker(SYMBOL, 0, *(Decimal(100),) * 6, Decimal(0)), BTC)
        ladder.show(book(), BTC, 0)
        ticker_draws, ladder_draws = Draws(ticker, "render"), Draws(ladder, "render_line")
        marks = StaleMarks()
        widgets = {"ladder": ladder, "ticker": ticker, "form": form}

        def drawn() -> tuple[int, int]:
            return ticker_draws.count, ladder_draws.count

        marks.show(None, **widgets)
        await pilot.pause()
        live = drawn()
        marks.show(None, **widgets)  # still live: nothing to draw
        await pilot.pause()
        assert drawn() == live
        marks.show(Staleness(3.1), **widgets)
        await pilot.pause()
        assert ladder.has_class("-stale") and ticker.has_class("-stale")
        assert ladder.border_subtitle == "STALE 3s" and ticker.stale == "STALE 3s"
        assert "STALE 3s" in ticker.render().plain
        stale = drawn()
        assert stale[0] > live[0] and stale[1] > live[1]
        for age in (3.2, 3.5, 3.9):  # the same second: nothing to draw
            marks.show(Staleness(age), **widgets)
            await pilot.pause()
        assert drawn() == stale
        marks.show(Staleness(4.0), **widgets)
        await pilot.pause()
        assert drawn()[0] > stale[0]
        marks.show(None, **widgets)
        await pilot.pause()
        assert not ladder.has_class("-stale") and not ticker.has_class("-stale")
        assert not ladder.border_subtitle and ticker.stale is None


# ---------------------------------------------------------------- what is news after an outage


def order(order_id: str, side: Side = Side.BUY, price: str = "1000.00", **kw: object) -> Order:
    fields = {
        "id": order_id,
        "symbol": SYMBOL,
        "side": side,
        "type": OrderType.LIMIT,
        "price": Decimal(price),
        "volume": Decimal("0.01"),
        "deal_volume": Decimal(0),
        "deal_money": Decimal(0),
        "avg_price": Decimal(0),
        "fee": Decimal(0),
        "fee_coin": "btc",
        "status": OrderStatus.NEW,
        "created_at": 1_700_000_000_000,
    }
    fields.update(kw)
    return Order(**fields)  # type: ignore[arg-type]


def test_only_what_changed_across_an_outage_and_was_not_our_doing_is_news() -> None:
    watch, tracker = ReconnectWatch(), OrderTracker()
    a, b, c = order("11"), order("12", price="1001.00"), order("13", price="1002.00")
    tracker.sync_open(SYMBOL, [a, b, c], tracker.token())
    assert watch.polled(SYMBOL, [a, b, c], complete=True, healthy=True, tracker=tracker) is None
    watch.lost()
    tracker.cancelling("13")  # we cancelled this one ourselves while stale
    mine = tracker.begin(SYMBOL, Side.SELL, OrderType.LIMIT, Decimal("0.01"), Decimal(2), 0)
    tracker.placed(mine, "15")
    listed = [a, order("14", Side.SELL, "30000.00"), order("15", Side.SELL, "2.00")]
    # Still unhealthy: the answer is folded in later, nothing is announced yet.
    assert watch.polled(SYMBOL, listed, complete=True, healthy=False, tracker=tracker) is None
    changes = watch.polled(SYMBOL, listed, complete=True, healthy=True, tracker=tracker)
    assert changes == Changes(SYMBOL, appeared=(listed[1],), vanished=(b,))
    assert watch.polled(SYMBOL, listed, complete=True, healthy=True, tracker=tracker) is None


def test_an_incomplete_list_proves_no_absence() -> None:
    watch, tracker = ReconnectWatch(), OrderTracker()
    watch.polled(SYMBOL, [order("11")], complete=True, healthy=True, tracker=tracker)
    watch.lost()
    assert watch.polled(SYMBOL, [], complete=False, healthy=True, tracker=tracker) is None
    assert watch.waiting


def test_announcements_name_id_side_price_and_how_it_ended() -> None:
    gone = (order("11"), order("12", Side.SELL, "27000.00"), order("13"), order("16"), order("17"))
    changes = Changes(SYMBOL, appeared=(order("14", Side.SELL, "30000.00"),), vanished=gone)
    filled = order(
        "12",
        Side.SELL,
        "27000.00",
        status=OrderStatus.FILLED,
        deal_volume=Decimal("0.01"),
        avg_price=Decimal("27000.50"),
    )
    finals = {
        "11": order("11", status=OrderStatus.CANCELED),
        "12": filled,
        "13": "state unknown: timed out",
    }
    assert notices(changes, finals, BTC) == [
        "Order 14 SELL 30,000.00 appeared (placed elsewhere)",
        "Order 11 BUY 1,000.00 was cancelled",
        "Order 12 SELL 27,000.00 was filled (0.010000 at 27,000.50)",
        "Order 13 BUY 1,000.00 left the open orders (state unknown: timed out)",
        "and 2 more order changes: see the orders panel",
    ]
