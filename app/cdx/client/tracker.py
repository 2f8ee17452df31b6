"""Client-side order states: what the user sees between pressing Enter and the server's word.

The exchange has no client order id (PROTOCOL.md section 5), so an order whose answer was lost
can never be resent blindly: it stays *unknown* until `reconcile` finds it (or proves it absent)
through `cdx.client.placement.settle`. `settled(key, outcome)` folds in the three outcomes of a
placement (placed, not placed, unknown); every other state change comes from an answer or from
the `openOrders` poll. One order is one row: an order the poll listed before its placement
answer (or its reconcile) came is merged into the placement's row, never shown twice. The
tracker does no I/O of its own except inside `reconcile`, and knows nothing of Textual, so the
UI and tests share one set of rules.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from cdx.client.errors import OrderStateUnknown
from cdx.client.placement import NotPlaced, Outcome, Placed, Unknown, settle
from cdx.model.order import Order, OrderStatus, OrderType, Side

if TYPE_CHECKING:
    from cdx.client.rest import RestClient

log = logging.getLogger(__name__)


class TrackedState(StrEnum):
    """What the client knows of an order; only PENDING, OPEN and UNKNOWN are still live."""

    PENDING = "pending"
    OPEN = "open"
    FILLED = "filled"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    REJECTED = "rejected"

    @property
    def is_live(self) -> bool:
        """Shown among open orders: it may rest in the book (or we cannot tell yet)."""
        return self in (
            TrackedState.PENDING,
            TrackedState.OPEN,
            TrackedState.CANCELLING,
            TrackedState.UNKNOWN,
        )


@dataclass(frozen=True, slots=True)
class TrackedOrder:
    """One order as the client sees it.

    `key` is stable for the order's whole life (a local key until the exchange names it);
    `order` is the exchange's latest report, when there is one.
    """

    key: str
    symbol: str
    side: Side
    type: OrderType
    volume: Decimal
    price: Decimal | None
    state: TrackedState
    sent_at_ms: int
    order_id: str | None = None
    order: Order | None = None
    detail: str = ""
    acked_at: int = 0
    cancel_requested: bool = False
    """This client asked the exchange to cancel it (whatever the order then became)."""
    inferred: bool = False
    """The state is the client's inference from the order leaving the open list (filled
    unless we cancelled it), not the exchange's report: a report replaces it."""

    def as_order(self) -> Order:
        """The exchange's report, or a stand-in built from what was sent (for display only)."""
        if self.order is not None:
            return self.order
        status = OrderStatus.NEW if self.state.is_live else OrderStatus.CANCELED
        zero = Decimal(0)
        return Order(
            id=self.order_id or self.key,
            symbol=self.symbol,
            side=self.side,
            type=self.type,
            price=self.price if self.price is not None else zero,
            volume=self.volume,
            deal_volume=zero,
            deal_money=zero,
            avg_price=zero,
            fee=zero,
            fee_coin="",
            status=status,
            created_at=self.sent_at_ms,
        )


_STATUS_STATE = {
    OrderStatus.INIT: TrackedState.OPEN,
    OrderStatus.NEW: TrackedState.OPEN,
    OrderStatus.PART_FILLED: TrackedState.OPEN,
    OrderStatus.PENDING_CANCEL: TrackedState.CANCELLING,
    OrderStatus.FILLED: TrackedState.FILLED,
    OrderStatus.CANCELED: TrackedState.CANCELLED,
    OrderStatus.EXPIRED: TrackedState.CANCELLED,
}


class OrderTracker:
    """Orders placed from this client and orders seen open on the exchange, newest first."""

    def __init__(self) -> None:
        self._orders: dict[str, TrackedOrder] = {}
        self._local_ids = itertools.count(1)
        self._generation = 0
        self._unknown: dict[str, OrderStateUnknown] = {}

    # What the UI reads ------------------------------------------------------------------------

    def get(self, key: str) -> TrackedOrder | None:
        return self._orders.get(key)

    def live(self, symbol: str) -> list[TrackedOrder]:
        """Orders of `symbol` that may still rest in the book, newest first."""
        return [order for order in self._all(symbol) if order.state.is_live]

    def all(self, symbol: str | None = None) -> list[TrackedOrder]:
        return self._all(symbol)

    def resting(self, symbol: str) -> list[tuple[Side, Decimal]]:
        """(side, price) of the limit orders known to rest in the book, for the ladder marks."""
        return [
            (order.side, order.price)
            for order in self.live(symbol)
            if order.type is OrderType.LIMIT
            and order.price is not None
            and order.state in (TrackedState.OPEN, TrackedState.CANCELLING)
        ]

    def token(self) -> int:
        """A generation mark to take before an `openOrders` request (see `sync_open`)."""
        return self._generation

    # Placement --------------------------------------------------------------------------------

    def begin(
        self,
        symbol: str,
        side: Side,
        type: OrderType,
        volume: Decimal,
        price: Decimal | None,
        sent_at_ms: int,
    ) -> str:
        """Record an order about to be sent; it shows as pending. Returns its key."""
        key = f"local-{next(self._local_ids)}"
        self._orders[key] = TrackedOrder(
            key, symbol, side, type, volume, price, TrackedState.PENDING, sent_at_ms
        )
        return key

    def placed(self, key: str, order_id: str, order: Order | None = None) -> None:
        """The exchange accepted the order and named it (`order`: its report, if known).

        If the poll already listed that order under its own row, that row is folded into this
        one, keeping what it knew (a fill, a cancel): one order, one row.
        """
        self._unknown.pop(key, None)
        polled = self._orders.get(order_id) if order_id != key else None
        state = TrackedState.OPEN
        if polled is not None:
            del self._orders[order_id]
            state, order = polled.state, order or polled.order
        elif (other := self._key_of(order_id)) is not None and other != key:
            log.warning("order %s is already tracked as %s; not listed twice", order_id, other)
            self._generation += 1
            del self._orders[key]
            return
        if order is not None and state is TrackedState.OPEN:
            state = _STATUS_STATE[order.status]
        self._update(key, state=state, order_id=order_id, order=order, detail="")

    def rejected(self, key: str, reason: str) -> None:
        """The exchange refused the order (or it never left); nothing rests in the book."""
        self._update(key, state=TrackedState.REJECTED, detail=reason)

    def lost(
        self, key: str, error: OrderStateUnknown, detail: str = "answer lost; checking"
    ) -> None:
        """The request went out but its answer did not come back: unknown until reconciled."""
        self._unknown[key] = error
        self._update(key, state=TrackedState.UNKNOWN, detail=detail)

    def settled(self, key: str, outcome: Outcome) -> None:
        """Fold in how a placement ended (`placement.send_order` or `settle`).

        `Placed` names the order (merged with a row the poll may already show), `NotPlaced`
        leaves nothing in the book, `Unknown` stays live and is reconciled by `reconcile`.
        """
        if isinstance(outcome, Placed):
            self.placed(key, outcome.order_id, outcome.order)
        elif isinstance(outcome, NotPlaced):
            self._unknown.pop(key, None)
            self.rejected(key, outcome.reason)
        else:
            self.lost(key, outcome.lost, "may or may not be placed; checking")

    @property
    def needs_reconcile(self) -> bool:
        return bool(self._unknown)

    # Cancels ----------------------------------------------------------------------------------

    def cancelling(self, order_id: str) -> None:
        key = self._key_of(order_id)
        if key is not None:
            self._update(key, state=TrackedState.CANCELLING, cancel_requested=True)

    def cancel_failed(self, order_id: str, reason: str) -> None:
        """A cancel was refused; the order stays as the next poll reports it."""
        key = self._key_of(order_id)
        if key is not None and self._orders[key].state is TrackedState.CANCELLING:
            self._update(key, state=TrackedState.OPEN, detail=reason)

    def cancelled(self, order_id: str) -> None:
        key = self._key_of(order_id)
        if key is not None:
            self._update(key, state=TrackedState.CANCELLED, detail="", cancel_requested=True)

    # Reports from the exchange ----------------------------------------------------------------

    def report(self, order: Order) -> None:
        """Fold in the exchange's report of one order (from showOrder or a reconcile)."""
        key = self._key_of(order.id) or order.id
        state = _STATUS_STATE[order.status]
        current = self._orders.get(key)
        if current is None:
            self._orders[key] = _from_order(order, state, self._generation)
            return
        # A final state is final, unless only inferred and the exchange names another final
        # one (a cancelled order is not "filled" because it left the list); a cancel in flight
        # outranks an older "open" report.
        corrected = current.inferred and not state.is_live
        keep = (not current.state.is_live and not corrected) or (
            current.state is TrackedState.CANCELLING and state is TrackedState.OPEN
        )
        if keep:
            state = current.state
        self._update(
            key, state=state, order_id=order.id, order=order, inferred=current.inferred and keep
        )

    def sync_open(
        self, symbol: str, orders: Sequence[Order], token: int, *, complete: bool = True
    ) -> None:
        """Fold in an `openOrders` answer for `symbol`.

        Listed orders are open (and become known if they were placed elsewhere). If the answer
        is `complete` (every open order of the symbol, not one page of several), a tracked open
        order that is no longer listed left the book: cancelled if we asked for it, else filled.
        An incomplete answer only adds and updates: an order missing from it may simply be on
        another page. Orders acknowledged after `token` was taken are left alone, as the answer
        may predate them.
        """
        listed = {order.id: order for order in orders}
        for order in orders:
            self.report(order)
        if not complete:
            return
        for key, tracked in list(self._orders.items()):
            if tracked.symbol != symbol or tracked.order_id is None:
                continue
            if tracked.order_id in listed or tracked.acked_at > token:
                continue
            if tracked.state is TrackedState.OPEN:
                self._update(key, state=TrackedState.FILLED, inferred=True)
            elif tracked.state is TrackedState.CANCELLING:
                self._update(key, state=TrackedState.CANCELLED, inferred=True)

    async def reconcile(self, rest: RestClient) -> bool:
        """Ask the exchange about orders whose placement answer was lost; True if any changed.

        An order that is found takes the exchange's state; one proven absent becomes rejected
        ("not placed"); a failed look-up, or one that cannot tell yet, leaves it unknown for the
        next round (this never waits: the caller polls). Never resends.
        """
        changed = False
        for key, error in list(self._unknown.items()):
            # Orders we placed and saw acknowledged cannot be the lost one; orders that only
            # the poll showed can be (the poll may list it before we reconcile).
            known = {
                o.order_id
                for k, o in self._orders.items()
                if o.order_id is not None and k != o.order_id
            }
            current = self._orders.get(key)
            detail = current.detail if current is not None else ""
            outcome = await settle(rest, Unknown(detail, error), exclude=known, wait=False)
            if isinstance(outcome, Unknown):
                log.info("reconcile of %s still open: %s", key, outcome.reason)
                continue
            changed = True
            if isinstance(outcome, NotPlaced):
                self._unknown.pop(key, None)
                self._update(key, state=TrackedState.REJECTED, detail="not placed")
            else:
                self.settled(key, outcome)
        return changed

    # Internals --------------------------------------------------------------------------------

    def _all(self, symbol: str | None) -> list[TrackedOrder]:
        orders = [o for o in self._orders.values() if symbol is None or o.symbol == symbol]
        return sorted(orders, key=lambda o: o.sent_at_ms, reverse=True)

    def _key_of(self, order_id: str) -> str | None:
        if order_id in self._orders:
            return order_id
        for key, tracked in self._orders.items():
            if tracked.order_id == order_id:
                return key
        return None

    def _update(self, key: str, **changes: object) -> None:
        current = self._orders.get(key)
        if current is None:
            return
        self._generation += 1
        if "order_id" in changes and current.order_id is None:
            changes["acked_at"] = self._generation
        self._orders[key] = replace(current, **changes)  # type: ignore[arg-type]


def _from_order(order: Order, state: TrackedState, generation: int) -> TrackedOrder:
    return TrackedOrder(
        key=order.id,
        symbol=order.symbol,
        side=order.side,
        type=order.type,
        volume=order.volume,
        price=order.price if order.type is OrderType.LIMIT else None,
        state=state,
        sent_at_ms=order.created_at,
        order_id=order.id,
        order=order,
        acked_at=generation,
    )
