"""Order books and matching: price levels in time order, and how a taker crosses them.

The book only orders orders; what a trade does to balances is the ledger's business, so
`match` hands each (maker, quantity) to a callback and never touches funds itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from cdx.model.book import Level
from cdx.model.order import OrderStatus, OrderType, Side
from cdx.sim.orders import ZERO, LiveOrder


class BookSide:
    """One side of a book: price levels, each a FIFO of orders (dicts keep insertion order)."""

    def __init__(self, *, bids: bool) -> None:
        self._bids = bids
        self._prices: list[Decimal] = []  # ascending
        self._levels: dict[Decimal, dict[str, LiveOrder]] = {}

    def best(self) -> Decimal | None:
        if not self._prices:
            return None
        return self._prices[-1] if self._bids else self._prices[0]

    def first_at(self, price: Decimal) -> LiveOrder:
        return next(iter(self._levels[price].values()))

    def add(self, order: LiveOrder) -> None:
        level = self._levels.get(order.price)
        if level is None:
            level = self._levels[order.price] = {}
            bisect.insort(self._prices, order.price)
        level[order.id] = order

    def remove(self, order: LiveOrder) -> None:
        level = self._levels[order.price]
        del level[order.id]
        if not level:
            del self._levels[order.price]
            del self._prices[bisect.bisect_left(self._prices, order.price)]

    def levels(self) -> list[Level]:
        """(price, summed remaining) best first."""
        prices = reversed(self._prices) if self._bids else iter(self._prices)
        return [
            (price, sum((o.remaining for o in self._levels[price].values()), ZERO))
            for price in prices
        ]


class OrderBook:
    """Both sides of one symbol's book."""

    def __init__(self) -> None:
        self.asks = BookSide(bids=False)
        self.bids = BookSide(bids=True)

    def side(self, side: Side) -> BookSide:
        """Where orders of `side` rest."""
        return self.bids if side is Side.BUY else self.asks


Execute = Callable[[LiveOrder, Decimal], None]
"""Trade `qty` base against a maker at the maker's price (funds, fills, tape)."""


def match(book: OrderBook, taker: LiveOrder, lot: Decimal, execute: Execute) -> None:
    """Cross `taker` with the opposite side in price-time priority until it is done, out of
    price, or (a market buy) out of quote for one more lot; `execute` does each trade.

    A maker that `execute` fills completely is taken off the book here.
    """
    opposite = book.side(taker.side.opposite)
    while (best := opposite.best()) is not None and _crosses(taker, best):
        maker = opposite.first_at(best)
        qty = _fill_quantity(taker, maker, best, lot)
        if qty <= 0:
            return
        execute(maker, qty)
        if maker.remaining == 0:
            opposite.remove(maker)
        if not taker.is_market_buy and taker.remaining == 0:
            return


def _crosses(taker: LiveOrder, best: Decimal) -> bool:
    if taker.type is OrderType.MARKET:
        return True
    return best <= taker.price if taker.side is Side.BUY else best >= taker.price


def _fill_quantity(taker: LiveOrder, maker: LiveOrder, best: Decimal, lot: Decimal) -> Decimal:
    """Base amount of the next trade: a market buy takes whole lots its quote can pay for."""
    if not taker.is_market_buy:
        return min(taker.remaining, maker.remaining)
    money = taker.volume - taker.deal_money
    affordable = (money / best).quantize(lot, rounding=ROUND_DOWN)
    if affordable * best > money:  # the division rounded up onto a lot boundary
        affordable -= lot
    return min(affordable, maker.remaining)


def market_outcome(order: LiveOrder, book: OrderBook, lot: Decimal) -> OrderStatus:
    """A market order ends FILLED when it did all it could, EXPIRED when liquidity ran out
    (PROTOCOL.md 9.8).

    A market buy that stopped with asks left (its leftover quote cannot pay for one more lot
    at the next ask) is complete: FILLED, even if that was true of the first ask; the leftover
    simply stays available. It is EXPIRED only when the asks ran out while the leftover could
    still pay for a lot (at its average price), or when there was no ask at all.
    """
    if order.is_market_buy:
        if book.asks.best() is not None:
            return OrderStatus.FILLED
        if not order.deal_volume:
            return OrderStatus.EXPIRED
        left = order.volume - order.deal_money
        one_lot = order.deal_money / order.deal_volume * lot
        return OrderStatus.EXPIRED if left >= one_lot else OrderStatus.FILLED
    return OrderStatus.FILLED if order.remaining == 0 else OrderStatus.EXPIRED
