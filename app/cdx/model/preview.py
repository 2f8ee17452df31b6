"""What an order would do against the book shown now: the preview a trader reads before confirming.

A market order, or a limit order priced through the spread, takes liquidity the moment it
arrives; how much it gets and at what prices follows from the book the dashboard holds. This
walks that book level by level the way the matching engine does (PROTOCOL.md section 5: a
market buy spends a quote amount and takes whole lots, everything else counts base; the fee is
0.1 % of what the order receives) and reports the figures, exact `Decimal`s.

It is an estimate, never a promise: the book moves before the order arrives, only the top
`MAX_LEVELS` levels a side are visible, and a book aggregated by a coarser step shows every
level at a price a little worse than the real one (`Preview.step` says which book was walked).

Pure and total: no I/O, no clock, and it never raises on any finite book or volume (it computes
in its own decimal context, so server values cannot trap the caller's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_DOWN, Context, Decimal, localcontext

from cdx.model.book import Book, Level
from cdx.model.order import OrderType, Side
from cdx.model.symbol import FEE_RATE

ZERO = Decimal(0)

_EXACT = Context(prec=80, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
"""Enough digits that the sums and products of a walk are exact for any value a symbol's
precisions allow; nothing traps, so a hostile value yields NaN or infinity, never an error."""

_RATIO = Context(prec=28, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
"""Ratios (an average price, a percentage) are not exact anyway: the default 28 digits."""


@dataclass(frozen=True, slots=True)
class Preview:
    """What the order would take from the book now, and what is left over.

    `base` and `quote` are the amounts of the fills it would get at once (base bought or sold,
    quote paid or received); `fee` is charged on what it receives (base for a buy, quote for a
    sell). `average` and `worst` are the fills' average and farthest price (None with no fill);
    `mid` is the book's mid price (None with a side empty). `levels` counts the price levels
    it reaches. `unfilled` is what does not fill at once, in the unit of the order's volume
    (quote for a market buy, base otherwise): a limit order rests it at its price, a market
    order expires it. `beyond_depth` means the visible book ran out before the order was done,
    so what happens past it is unknown. `crosses` is whether it takes liquidity at all.
    """

    side: Side
    type: OrderType
    step: int
    base: Decimal
    quote: Decimal
    fee: Decimal
    average: Decimal | None
    worst: Decimal | None
    mid: Decimal | None
    levels: int
    unfilled: Decimal
    beyond_depth: bool
    crosses: bool

    @property
    def received(self) -> Decimal:
        """Gross amount received by the fills: base for a buy, quote for a sell."""
        return self.base if self.side is Side.BUY else self.quote

    @property
    def spent(self) -> Decimal:
        """Amount given for the fills: quote for a buy, base for a sell."""
        return self.quote if self.side is Side.BUY else self.base

    @property
    def net_received(self) -> Decimal:
        """What lands in the account once the fee is taken."""
        with localcontext(_EXACT):
            return self.received - self.fee

    @property
    def slippage(self) -> Decimal | None:
        """How much worse than the mid the average price is (a price; negative is better)."""
        if self.average is None or self.mid is None:
            return None
        with localcontext(_EXACT):
            gap = self.average - self.mid
            return gap if self.side is Side.BUY else -gap

    @property
    def slippage_pct(self) -> Decimal | None:
        """`slippage` as a percentage of the mid."""
        slippage = self.slippage
        if slippage is None or self.mid is None or not self.mid:
            return None
        with localcontext(_RATIO):
            return slippage / self.mid * 100


def crosses(book: Book, side: Side, price: Decimal) -> bool:
    """Whether a limit order of `side` at `price` would trade at once against `book`."""
    if side is Side.BUY:
        return book.best_ask is not None and price >= book.best_ask
    return book.best_bid is not None and price <= book.best_bid


def estimate(
    book: Book,
    side: Side,
    order_type: OrderType,
    volume: Decimal,
    price: Decimal | None = None,
    *,
    lot: Decimal,
    step: int = 0,
    fee_rate: Decimal = FEE_RATE,
) -> Preview:
    """Walk `book` for an order: a market order (`volume` in quote for a buy, base for a sell)
    or a limit order at `price` (`volume` in base), as the exchange would fill it now.

    `lot` is the symbol's smallest base amount: a market buy takes only whole lots its quote
    can pay for, as the engine does. `step` is the depth step `book` was aggregated with.
    """
    with localcontext(_EXACT):
        opposite = book.asks if side is Side.BUY else book.bids
        if order_type is OrderType.LIMIT:
            reach = [] if price is None else _within(opposite, side, price)
            walk = _walk_base(reach, volume)
            crossing = bool(reach)
            beyond = walk.left > 0 and len(reach) == len(opposite) and crossing
        elif side is Side.BUY:
            walk = _walk_quote(opposite, volume, lot)
            crossing = True
            beyond = walk.exhausted
        else:
            walk = _walk_base(opposite, volume)
            crossing = True
            beyond = walk.left > 0
        received = walk.base if side is Side.BUY else walk.quote
        mid = None
        if book.best_bid is not None and book.best_ask is not None:
            mid = (book.best_bid + book.best_ask) / 2
        return Preview(
            side=side,
            type=order_type,
            step=step,
            base=walk.base,
            quote=walk.quote,
            fee=received * fee_rate,
            average=_ratio(walk.quote, walk.base) if walk.base else None,
            worst=walk.worst,
            mid=mid,
            levels=walk.levels,
            unfilled=walk.left,
            beyond_depth=beyond,
            crosses=crossing,
        )


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    with localcontext(_RATIO):
        return numerator / denominator


@dataclass(frozen=True, slots=True)
class _Walk:
    base: Decimal
    quote: Decimal
    worst: Decimal | None
    levels: int
    left: Decimal
    """What is left of the volume, in its own unit."""
    exhausted: bool = False


def _within(levels: tuple[Level, ...], side: Side, price: Decimal) -> list[Level]:
    """The levels a limit order at `price` reaches (best first)."""
    if side is Side.BUY:
        return [level for level in levels if level[0] <= price]
    return [level for level in levels if level[0] >= price]


def _walk_base(levels: Iterable[Level], volume: Decimal) -> _Walk:
    """Take `volume` base from the levels, best first."""
    left, base, quote, worst, count = volume, ZERO, ZERO, None, 0
    for level_price, amount in levels:
        if left <= 0:
            break
        take = min(left, amount)
        base, quote, left = base + take, quote + take * level_price, left - take
        worst, count = level_price, count + 1
    return _Walk(base, quote, worst, count, left)


def _walk_quote(levels: tuple[Level, ...], money: Decimal, lot: Decimal) -> _Walk:
    """Spend `money` quote on the asks in whole lots, best first (a market buy)."""
    left, base, quote, worst, count = money, ZERO, ZERO, None, 0
    for level_price, amount in levels:
        affordable = (left / level_price).quantize(lot, rounding=ROUND_DOWN)
        if affordable * level_price > left:
            affordable -= lot
        take = min(affordable, amount)
        if take <= 0:
            # What is left cannot pay for a lot here: the order is done (PROTOCOL.md 9.8).
            return _Walk(base, quote, worst, count, left)
        base, quote, left = base + take, quote + take * level_price, left - take * level_price
        worst, count = level_price, count + 1
        if take < amount:
            return _Walk(base, quote, worst, count, left)
    # The visible asks ran out: the rest would expire if it could still buy a lot.
    exhausted = not base or left >= quote / base * lot
    return _Walk(base, quote, worst, count, left, exhausted=exhausted)
