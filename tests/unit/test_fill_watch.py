"""Fills are told once each, with the amount and average of what filled since the last word."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from cdx.client.ratelimit import Priority
from cdx.client.tracker import TrackedOrder, TrackedState
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.fill_watch import FillWatch
from cdx.ui.fills import describe

D = Decimal
BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, D("0.0001"), D("5"))


def report(
    volume: str, money: str, status: OrderStatus, type: OrderType = OrderType.LIMIT
) -> Order:
    filled = D(volume)
    average = (D(money) / filled).quantize(D("0.01")) if filled else D(0)
    return Order(
        "42",
        "btcusdt",
        Side.BUY,
        type,
        D("100") if type is OrderType.LIMIT else D(0),
        D("1"),
        filled,
        D(money),
        average,
        D(0),
        "btc",
        status,
        1,
    )


def tracked(
    order: Order, *, ours: bool = True, state: TrackedState = TrackedState.OPEN
) -> TrackedOrder:
    return TrackedOrder(
        "local-1" if ours else order.id,
        order.symbol,
        order.side,
        order.type,
        order.volume,
        order.price if order.type is OrderType.LIMIT else None,
        state,
        1,
        order.id,
        order,
    )


def test_each_fill_of_our_order_is_told_once_with_its_own_average() -> None:
    watch = FillWatch()
    assert watch.observe([tracked(report("0", "0", OrderStatus.NEW))]).news == ()
    first = watch.observe([tracked(report("0.4", "40", OrderStatus.PART_FILLED))]).news
    assert [(n.amount, n.average) for n in first] == [(D("0.4"), D("100.00"))]
    assert watch.observe([tracked(report("0.4", "40", OrderStatus.PART_FILLED))]).news == ()
    second = watch.observe([tracked(report("0.6", "59", OrderStatus.PART_FILLED))]).news
    assert [(n.amount, n.average) for n in second] == [(D("0.2"), D("95"))]


def test_a_fill_seen_first_in_the_final_answer_is_not_told_again_by_a_poll() -> None:
    watch = FillWatch()
    watch.observe([tracked(report("0", "0", OrderStatus.NEW))])
    final = report("1", "100", OrderStatus.FILLED)
    news = watch.final(final)
    assert news is not None and news.amount == D("1") and news.final
    assert watch.observe([tracked(final, state=TrackedState.FILLED)]).news == ()
    assert watch.final(final) is None


def test_what_an_order_had_filled_before_we_looked_is_not_news() -> None:
    watch = FillWatch()
    before = report("0.3", "30", OrderStatus.PART_FILLED)
    assert watch.observe([tracked(before, ours=False)]).news == ()
    later = watch.observe([tracked(report("0.5", "50", OrderStatus.PART_FILLED), ours=False)])
    assert [n.amount for n in later.news] == [D("0.2")]


def test_our_order_listed_by_a_poll_before_its_answer_is_told_from_zero() -> None:
    watch = FillWatch()
    early = report("0.3", "30", OrderStatus.PART_FILLED)
    assert watch.observe([tracked(early, ours=False)]).news == ()
    news = watch.observe([tracked(early, ours=True)]).news
    assert [n.amount for n in news] == [D("0.3")]


def test_a_market_order_of_ours_is_read_at_once_and_an_order_that_left_in_the_background() -> None:
    watch = FillWatch()
    market = report("0", "0", OrderStatus.NEW, OrderType.MARKET)
    [check] = watch.observe([tracked(market)]).checks
    assert (check.order_id, check.priority) == ("42", Priority.USER)
    assert watch.observe([tracked(market)]).checks == ()  # asked once

    gone = FillWatch()
    limit = report("0", "0", OrderStatus.NEW)
    assert gone.observe([tracked(limit)]).checks == ()
    [check] = gone.observe([tracked(limit, state=TrackedState.FILLED)]).checks
    assert check.priority is Priority.BACKGROUND
    gone.check_failed("42")
    assert len(gone.observe([tracked(limit, state=TrackedState.FILLED)]).checks) == 1


def test_a_market_order_that_filled_nothing_says_so_once() -> None:
    watch = FillWatch()
    expired = report("0", "0", OrderStatus.EXPIRED, OrderType.MARKET)
    watch.observe([tracked(replace(expired, status=OrderStatus.NEW))])
    news = watch.final(expired)
    assert news is not None and news.amount == 0
    assert describe(news, BTCUSDT) == (
        "Market order expired",
        "Market buy expired, nothing filled (order 42)",
    )
    assert watch.final(expired) is None


def test_the_notification_names_amount_average_and_order() -> None:
    watch = FillWatch()
    filled = report("2.216", "59996.83288", OrderStatus.FILLED, OrderType.MARKET)
    filled = replace(filled, avg_price=D("27074.43"))
    watch.observe([tracked(replace(filled, status=OrderStatus.NEW, deal_volume=D(0)))])
    news = watch.final(filled)
    assert news is not None
    assert describe(news, BTCUSDT) == (
        "Order filled",
        "Market buy filled 2.216000 BTC at avg 27,074.43 (order 42)",
    )
    partial = replace(filled, status=OrderStatus.EXPIRED, id="43")
    assert describe(replace(news, order=partial), BTCUSDT)[1].endswith("; then expired (order 43)")
