"""An order book snapshot and the step0/1/2 aggregation of PROTOCOL.md section 5."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

Level = tuple[Decimal, Decimal]
"""(price, amount) of one price level."""

MAX_LEVELS = 150


@dataclass(frozen=True, slots=True)
class Book:
    """Asks ascending and bids descending, as the wire sends them; `time` in ms (0: unknown).

    A book decoded from the wire has passed the gate (`cdx.protocol.gate`): each side strictly
    sorted best first with one level per price, at most `MAX_LEVELS` levels, every price and
    amount positive, and never crossed, so a widget may rely on that without checking again.
    """

    asks: tuple[Level, ...]
    bids: tuple[Level, ...]
    time: int = 0

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def spread(self) -> Decimal | None:
        if self.best_ask is None or self.best_bid is None:
            return None
        return self.best_ask - self.best_bid

    @property
    def crossed(self) -> bool:
        """A book whose best bid reaches its best ask; matching must never leave one."""
        spread = self.spread
        return spread is not None and spread <= 0


def aggregate(
    asks: Iterable[Level],
    bids: Iterable[Level],
    step: int,
    price_precision: int,
    *,
    time: int = 0,
    limit: int = MAX_LEVELS,
) -> Book:
    """Group raw levels into step buckets, as every server of the protocol must.

    Bucket size is 10^(step - price_precision). A bid goes to the bucket at or below its price
    and an ask to the bucket at or above it, so an aggregated level never shows a better price
    than the book has. Buckets come from the whole book, then each side is cut to `limit`.
    Prices are quantized to max(price_precision - step, 0) decimals.
    """
    size = Decimal(1).scaleb(step - price_precision)
    decimals = Decimal(1).scaleb(-max(price_precision - step, 0))
    return Book(
        asks=_buckets(asks, size, decimals, ROUND_CEILING, reverse=False, limit=limit),
        bids=_buckets(bids, size, decimals, ROUND_FLOOR, reverse=True, limit=limit),
        time=time,
    )


def _buckets(
    levels: Iterable[Level],
    size: Decimal,
    decimals: Decimal,
    rounding: str,
    *,
    reverse: bool,
    limit: int,
) -> tuple[Level, ...]:
    totals: defaultdict[Decimal, Decimal] = defaultdict(Decimal)
    for price, amount in levels:
        bucket = (price / size).to_integral_value(rounding=rounding) * size
        totals[bucket.quantize(decimals)] += amount
    ordered = sorted(totals.items(), key=lambda item: item[0], reverse=reverse)
    return tuple(ordered[:limit])
