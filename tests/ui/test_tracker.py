"""The order tracker: pending until answered, unknown until reconciled, never resent."""

from __future__ import annotations

from decimal import Decimal

from cdx.client.errors import Baseline, OrderStateUnknown
from cdx.client.placement import NotPlaced, Placed, Unknown
from cdx.client.rest import RestClient
from cdx.client.tracker import OrderTracker, TrackedState
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.server.runner import RunningExchange

ZERO = Decimal(0)


def report(ident: str, status: OrderStatus = OrderStatus.NEW) -> Order:
    return Order(
        ident, "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("100"), Decimal("1"),
        ZERO, ZERO, ZERO, ZERO, "btc", status, 1,
    )  # fmt: skip


def begin(tracker: OrderTracker) -> str:
    return tracker.begin("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("100"), 1)


def test_an_order_is_pending_until_the_exchange_names_it() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    assert [o.state for o in tracker.live("btcusdt")] == [TrackedState.PENDING]
    tracker.placed(key, "42")
    [order] = tracker.live("btcusdt")
    assert (order.state, order.order_id) == (TrackedState.OPEN, "42")
    assert tracker.resting("btcusdt") == [(Side.BUY, Decimal("100"))]


def test_a_rejected_order_leaves_the_open_list() -> None:
    tracker = OrderTracker()
    tracker.rejected(begin(tracker), "insufficient balance")
    assert tracker.live("btcusdt") == []
    assert tracker.all()[0].detail == "insufficient balance"


def test_a_poll_older_than_the_placement_does_not_close_it() -> None:
    tracker = OrderTracker()
    token = tracker.token()  # poll sent ...
    tracker.placed(begin(tracker), "7")  # ... the order is acknowledged meanwhile ...
    tracker.sync_open("btcusdt", [], token)  # ... and the poll's answer predates it
    assert tracker.live("btcusdt")[0].state is TrackedState.OPEN
    tracker.sync_open("btcusdt", [], tracker.token())  # a newer poll: it left the book
    assert tracker.live("btcusdt") == []
    assert tracker.all()[0].state is TrackedState.FILLED


def test_a_cancel_in_flight_is_not_undone_by_an_older_report() -> None:
    tracker = OrderTracker()
    tracker.placed(begin(tracker), "7")
    token = tracker.token()
    tracker.cancelling("7")
    tracker.sync_open("btcusdt", [report("7")], token)
    assert tracker.live("btcusdt")[0].state is TrackedState.CANCELLING
    tracker.sync_open("btcusdt", [], tracker.token())
    assert tracker.all()[0].state is TrackedState.CANCELLED


def test_an_order_that_left_the_list_takes_the_exchanges_final_state() -> None:
    """Leaving the open list reads as filled until the exchange says what it was: an order
    cancelled elsewhere (or expired) is then shown cancelled, never left as "filled"."""
    tracker = OrderTracker()
    tracker.placed(begin(tracker), "7")
    tracker.sync_open("btcusdt", [], tracker.token())
    assert tracker.all()[0].state is TrackedState.FILLED  # the inference, for now
    tracker.report(report("7", OrderStatus.NEW))  # an older report cannot reopen it
    assert tracker.all()[0].state is TrackedState.FILLED
    tracker.report(report("7", OrderStatus.CANCELED))  # the exchange's word
    assert tracker.all()[0].state is TrackedState.CANCELLED
    tracker.report(report("7", OrderStatus.FILLED))  # and a reported final state is final
    assert tracker.all()[0].state is TrackedState.CANCELLED


def test_orders_placed_elsewhere_appear_from_the_poll() -> None:
    tracker = OrderTracker()
    tracker.sync_open("btcusdt", [report("9")], tracker.token())
    assert [o.order_id for o in tracker.live("btcusdt")] == ["9"]


async def test_a_lost_answer_is_unknown_until_reconciled(exchange: RunningExchange) -> None:
    async with RestClient(exchange.rest_url, None) as public:
        book = await public.depth("btcusdt")
    assert book.best_bid is not None
    price = book.best_bid - 50
    from cdx.client.credentials import Credentials

    # A horizon of 0: the test proves absence at once instead of waiting out the time window.
    async with RestClient(
        exchange.rest_url, Credentials("demo", "demo-secret"), placement_horizon_ms=0
    ) as rest:
        tracker = OrderTracker()
        baseline = await rest.newest_order_id("btcusdt")
        sent = rest.now_ms()
        placed = tracker.begin("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price, sent)
        never = tracker.begin("btcusdt", Side.SELL, OrderType.LIMIT, Decimal("0.02"), price, sent)
        # The first really reached the exchange; the second never did. Both answers were lost.
        order_id = await rest.place_order(
            "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price
        )
        for key, side, volume in ((placed, Side.BUY, "0.01"), (never, Side.SELL, "0.02")):
            error = OrderStateUnknown(
                "btcusdt", side, OrderType.LIMIT, Decimal(volume), price, sent, baseline=baseline
            )
            tracker.lost(key, error)
        assert {o.state for o in tracker.live("btcusdt")} == {TrackedState.UNKNOWN}
        assert tracker.needs_reconcile

        assert await tracker.reconcile(rest)

        found = tracker.get(placed)
        assert found is not None
        assert (found.state, found.order_id) == (TrackedState.OPEN, order_id)
        missing = tracker.get(never)
        assert missing is not None
        assert (missing.state, missing.detail) == (TrackedState.REJECTED, "not placed")
        assert not tracker.needs_reconcile
        assert len(exchange.engine.open_orders("demo", "btcusdt")) == 1  # nothing was resent


def test_an_incomplete_open_orders_list_does_not_close_what_it_misses() -> None:
    tracker = OrderTracker()
    tracker.placed(begin(tracker), "7")
    tracker.sync_open("btcusdt", [report("8")], tracker.token(), complete=False)
    assert {o.order_id: o.state for o in tracker.live("btcusdt")} == {
        "7": TrackedState.OPEN,
        "8": TrackedState.OPEN,
    }


def lost_error(baseline: str | None = None) -> OrderStateUnknown:
    return OrderStateUnknown(
        "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("1"), Decimal("100"), 1,
        baseline=Baseline(baseline),
    )  # fmt: skip


def test_a_placed_outcome_names_the_order() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    tracker.settled(key, Placed("42"))
    [order] = tracker.live("btcusdt")
    assert (order.key, order.state, order.order_id) == (key, TrackedState.OPEN, "42")


def test_an_order_the_poll_listed_first_is_one_row_not_two() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    tracker.sync_open("btcusdt", [report("42")], tracker.token())  # the poll was quicker
    tracker.settled(key, Placed("42"))
    [order] = tracker.all()
    assert (order.key, order.state, order.order_id) == (key, TrackedState.OPEN, "42")


def test_a_filled_order_the_poll_saw_first_stays_filled_when_its_answer_comes() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    tracker.report(report("42", OrderStatus.FILLED))
    tracker.settled(key, Placed("42"))
    [order] = tracker.all()
    assert (order.key, order.state) == (key, TrackedState.FILLED)


def test_a_not_placed_outcome_leaves_nothing_live() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    tracker.settled(key, NotPlaced("insufficient balance"))
    assert tracker.live("btcusdt") == []
    assert tracker.get(key).detail == "insufficient balance"  # type: ignore[union-attr]


def test_an_unknown_outcome_is_live_and_waits_for_reconcile() -> None:
    tracker = OrderTracker()
    key = begin(tracker)
    tracker.settled(key, Unknown("may or may not", lost_error("7")))
    [order] = tracker.live("btcusdt")
    assert order.state is TrackedState.UNKNOWN
    assert tracker.needs_reconcile
    tracker.settled(key, Placed("8"))  # e.g. settled by the caller itself
    assert not tracker.needs_reconcile
    assert tracker.get(key).state is TrackedState.OPEN  # type: ignore[union-attr]


async def test_reconcile_merges_the_polled_row_of_a_lost_order(exchange: RunningExchange) -> None:
    from cdx.client.credentials import Credentials

    async with RestClient(
        exchange.rest_url, Credentials("demo", "demo-secret"), placement_horizon_ms=0
    ) as rest:
        book = await rest.depth("btcusdt")
        assert book.best_bid is not None
        price = book.best_bid - 50
        baseline = await rest.newest_order_id("btcusdt")
        sent = rest.now_ms()
        tracker = OrderTracker()
        key = tracker.begin("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price, sent)
        order_id = await rest.place_order(
            "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price
        )
        error = OrderStateUnknown(
            "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price, sent, baseline=baseline
        )
        tracker.settled(key, Unknown("lost", error))
        listed = await rest.every_open_order("btcusdt")
        tracker.sync_open("btcusdt", listed.items, tracker.token(), complete=listed.complete)
        assert len(tracker.live("btcusdt")) == 2  # the unknown row and the polled order
        assert await tracker.reconcile(rest)
    [order] = tracker.all("btcusdt")  # one order, one row: no ghost
    assert (order.key, order.state, order.order_id) == (key, TrackedState.OPEN, order_id)
