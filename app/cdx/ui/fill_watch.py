"""Fills of our orders, each told once, and which orders to ask for their final state.

The exchange has no private channel (PROTOCOL.md section 6): a fill shows only as an order's
`deal_volume` growing from one report to the next (an `openOrders` poll, a `showOrder`
answer). `FillWatch` remembers, per order id, how much of it has been announced, so a fill is
told exactly once whichever report shows it first. It also says which orders need a
`showOrder`: a market order just placed (it never rests, so no poll lists it, and the user
wants its fill at once), and an order that left the open list (the poll cannot tell filled
from cancelled or expired). It does no I/O and draws nothing: `ui/fills.py` tells and asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cdx.client.ratelimit import Priority
from cdx.client.tracker import TrackedOrder
from cdx.model.order import Order, OrderType
from cdx.ui.format import display_math

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FillNews:
    """What to tell the user about one order: `amount` (base) filled since the last news at
    `average` price; `order` is the report that showed it. `amount` is zero only for a final
    market order that filled nothing."""

    order: Order
    amount: Decimal
    average: Decimal

    @property
    def final(self) -> bool:
        return self.order.status.is_final


@dataclass(frozen=True, slots=True)
class FinalCheck:
    """Ask the exchange for `order_id`'s state (`showOrder`) at `priority`."""

    symbol: str
    order_id: str
    priority: Priority


@dataclass(frozen=True, slots=True)
class Observation:
    """The result of looking at the tracker once: news to tell, checks to make, and whether
    any order of ours changed since the last look (the history is then worth reading)."""

    news: tuple[FillNews, ...] = ()
    checks: tuple[FinalCheck, ...] = ()
    changed: bool = False


class FillWatch:
    """Announced amounts per order id; every method is cheap and does no I/O.

    An order first seen in a poll (placed before the dashboard started, or elsewhere) is
    taken as it is: what it had filled before we looked is not news. An order placed from
    this client starts at zero, even if a poll showed it first.
    """

    def __init__(self) -> None:
        self._told: dict[str, tuple[Decimal, Decimal]] = {}
        """Order id -> (deal_volume, deal_money) already told (or known at first sight)."""
        self._silent: dict[str, Decimal] = {}
        """Ids taken as they were at first sight (not placed from here, as far as we knew),
        with the filled amount they were taken at."""
        self._checked: set[str] = set()
        """Ids whose final state was asked for (never asked twice)."""
        self._final: set[str] = set()
        """Ids whose final report has been folded in."""
        self._empty: set[str] = set()
        """Market orders told to have filled nothing (told once)."""
        self._seen: dict[str, tuple[object, ...]] = {}

    def observe(self, orders: Iterable[TrackedOrder]) -> Observation:
        """Look at the tracker's orders: fills not told yet, final states to ask for."""
        news: list[FillNews] = []
        checks: list[FinalCheck] = []
        changed = False
        for tracked in orders:
            order_id = tracked.order_id
            if order_id is None:
                continue
            report = tracked.order
            self._first_sight(tracked, order_id, report)
            signature = (tracked.state, report.deal_volume if report else None)
            if self._seen.get(order_id) != signature:
                self._seen[order_id] = signature
                changed = True
            check = self._check_due(tracked, order_id)
            if check is not None:
                checks.append(check)
            if report is not None and order_id not in self._final:
                told = self._tell(report)
                if told is not None:
                    news.append(told)
        return Observation(tuple(news), tuple(checks), changed)

    def final(self, order: Order) -> FillNews | None:
        """Fold in a `showOrder` answer: the fill not told yet, or for a final market order
        that filled nothing, that it did not fill."""
        if order.status.is_final:
            self._final.add(order.id)
        news = self._tell(order)
        if news is not None or order.type is not OrderType.MARKET or not order.status.is_final:
            return news
        if order.deal_volume > 0 or order.id in self._silent or order.id in self._empty:
            return None  # its fill was told already, or it is not news
        self._empty.add(order.id)
        return FillNews(order, ZERO, ZERO)

    def check_failed(self, order_id: str) -> None:
        """The final state could not be read: ask again when the order is next looked at."""
        self._checked.discard(order_id)

    def _first_sight(self, tracked: TrackedOrder, order_id: str, report: Order | None) -> None:
        ours = tracked.key != order_id
        if order_id not in self._told:
            if ours or report is None:
                self._told[order_id] = (ZERO, ZERO)
            else:
                self._told[order_id] = (report.deal_volume, report.deal_money)
                self._silent[order_id] = report.deal_volume
        elif ours and order_id in self._silent:
            # A poll listed our own order before its placement answer came: what it had
            # filled by then is news after all, unless a later fill was told since (then the
            # part before it stays untold rather than any part being told twice).
            baseline = self._silent.pop(order_id)
            if self._told[order_id][0] == baseline:
                self._told[order_id] = (ZERO, ZERO)

    def _check_due(self, tracked: TrackedOrder, order_id: str) -> FinalCheck | None:
        if order_id in self._checked or order_id in self._final:
            return None
        ours = tracked.key != order_id
        if ours and tracked.type is OrderType.MARKET:
            self._checked.add(order_id)
            return FinalCheck(tracked.symbol, order_id, Priority.USER)
        if not tracked.state.is_live:
            self._checked.add(order_id)
            return FinalCheck(tracked.symbol, order_id, Priority.BACKGROUND)
        return None

    def _tell(self, order: Order) -> FillNews | None:
        volume, money = self._told.get(order.id, (ZERO, ZERO))
        if order.deal_volume <= volume:
            return None
        self._told[order.id] = (order.deal_volume, order.deal_money)
        with display_math():
            amount = order.deal_volume - volume
            if volume <= 0 and order.avg_price > 0:
                average = order.avg_price  # the exchange's own figure, when it covers it all
            else:
                average = (order.deal_money - money) / amount
        return FillNews(order, amount, average)
