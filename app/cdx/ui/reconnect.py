"""Orders that changed on the exchange while we could not see it, announced once we can.

While the market stream is down (or stale) or the account poll fails, the open-orders panel may
keep showing what was true before: an order filled or cancelled elsewhere (another terminal,
the exchange's web page, a fill) is not news the user would notice in a table that simply
loses a row. `ReconnectWatch` remembers the open orders of the last poll answered while
everything was healthy; the first complete poll after recovery is compared with it, and every
order that appeared or vanished is announced by id, side and price, a vanished one with its
final state from `showOrder` (filled, cancelled, expired). What this client did itself in the
meantime (a placement, a cancel: allowed while stale) is not news and is left out.

Pure bookkeeping plus one async helper; the dashboard wires it into its poller
(`cdx.ui.orders`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cdx.client.errors import CdxError
from cdx.client.tracker import OrderTracker
from cdx.model.order import Order, OrderStatus, OrderType
from cdx.model.symbol import Symbol
from cdx.ui.format import fmt_amount, fmt_price

log = logging.getLogger(__name__)

MAX_LOOKUPS = 10
"""Vanished orders whose final state is asked (`showOrder`, one account-group request each);
more are announced together without it, so a long outage does not spend the poll's budget."""

MAX_NOTICES = 5
"""Orders announced one notification each; the rest are counted in one more."""


@dataclass(frozen=True, slots=True)
class Changes:
    """Open orders that appeared or vanished across an outage (the symbol's, oldest first)."""

    symbol: str
    appeared: tuple[Order, ...]
    vanished: tuple[Order, ...]

    def __bool__(self) -> bool:
        return bool(self.appeared or self.vanished)


class ReconnectWatch:
    """The open orders last seen while healthy, frozen when the link is lost."""

    def __init__(self) -> None:
        self._view: tuple[str, dict[str, Order]] | None = None
        self._frozen: tuple[str, dict[str, Order]] | None = None

    @property
    def waiting(self) -> bool:
        """Whether an outage's view waits for the first poll after recovery."""
        return self._frozen is not None

    def lost(self) -> None:
        """The link is lost (stream stale, poll failed): what was shown last is what counts.

        Only the first call of an outage freezes; later ones keep that view."""
        if self._frozen is None and self._view is not None:
            self._frozen = self._view

    def polled(
        self,
        symbol: str,
        orders: Sequence[Order],
        *,
        complete: bool,
        healthy: bool,
        tracker: OrderTracker,
    ) -> Changes | None:
        """An `openOrders` answer: the changes to announce if it ends an outage, else None.

        `healthy` says whether everything was live when it came (stream and poll); an answer
        that may miss orders on further pages (`complete` false) proves no absence and is
        ignored.
        """
        if not complete:
            return None
        if not healthy:
            self.lost()
            return None
        frozen, self._frozen = self._frozen, None
        listed = {order.id: order for order in orders}
        self._view = (symbol, listed)
        if frozen is None or frozen[0] != symbol:
            return None
        before = frozen[1]
        placed, cancelled = _our_doing(tracker, symbol)
        appeared = [o for o in orders if o.id not in before and o.id not in placed]
        vanished = [o for i, o in before.items() if i not in listed and i not in cancelled]
        return Changes(symbol, tuple(reversed(appeared)), tuple(vanished))


def _our_doing(tracker: OrderTracker, symbol: str) -> tuple[set[str], set[str]]:
    """Ids of orders this client placed, and of those it asked to cancel (not news)."""
    placed: set[str] = set()
    cancelled: set[str] = set()
    for tracked in tracker.all(symbol):
        if tracked.order_id is None:
            continue
        if tracked.key != tracked.order_id:
            placed.add(tracked.order_id)  # tracked under the local key of our placement
        if tracked.cancel_requested:
            cancelled.add(tracked.order_id)  # not its state: a report may say CANCELLED too
    return placed, cancelled


async def final_states(
    changes: Changes, show_order: Callable[[str, str], Awaitable[Order]]
) -> dict[str, Order | str]:
    """Each vanished order's report from `showOrder` (up to `MAX_LOOKUPS`), or why not."""
    finals: dict[str, Order | str] = {}
    for order in changes.vanished[:MAX_LOOKUPS]:
        try:
            finals[order.id] = await show_order(changes.symbol, order.id)
        except CdxError as exc:
            log.warning("cannot look up order %s after the outage: %s", order.id, exc)
            finals[order.id] = f"state unknown: {exc}"
    return finals


def notices(changes: Changes, finals: dict[str, Order | str], symbol: Symbol | None) -> list[str]:
    """One line per changed order (at most `MAX_NOTICES`, then a count of the rest)."""
    lines = [f"{_name(o, symbol)} appeared (placed elsewhere)" for o in changes.appeared]
    for order in changes.vanished:
        final = finals.get(order.id)
        lines.append(f"{_name(order, symbol)} {_ending(final, symbol)}")
    if len(lines) > MAX_NOTICES:
        rest = len(lines) - (MAX_NOTICES - 1)
        lines[MAX_NOTICES - 1 :] = [f"and {rest} more order changes: see the orders panel"]
    return lines


def _name(order: Order, symbol: Symbol | None) -> str:
    """`Order 1042 BUY 1,000.00` (a market order says so instead of a price)."""
    if order.type is OrderType.MARKET:
        price = "at market"
    elif symbol is None:
        price = str(order.price)
    else:
        price = fmt_price(order.price, symbol.price_precision, width=None)
    return f"Order {order.id} {order.side.value} {price}"


def _ending(final: Order | str | None, symbol: Symbol | None) -> str:
    """How a vanished order ended, as the exchange reports it."""
    if final is None:
        return "left the open orders"
    if isinstance(final, str):
        return f"left the open orders ({final})"
    decimals = symbol.amount_precision if symbol is not None else None
    filled = fmt_amount(final.deal_volume, decimals, width=None)
    match final.status:
        case OrderStatus.FILLED:
            return f"was filled ({filled} at {_avg(final, symbol)})"
        case OrderStatus.CANCELED if final.deal_volume > 0:
            return f"was cancelled after {filled} filled"
        case OrderStatus.CANCELED:
            return "was cancelled"
        case OrderStatus.EXPIRED:
            return "expired"
        case _:
            return f"is {final.status.name.lower().replace('_', ' ')} (not listed as open)"


def _avg(order: Order, symbol: Symbol | None) -> str:
    price: Decimal = order.avg_price
    return str(price) if symbol is None else fmt_price(price, symbol.price_precision, width=None)
