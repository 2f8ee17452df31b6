"""The engine's mutable record of one order; callers only ever see its `Order` snapshots.

Kept apart from the book and the ledger because both hold the same record: the book by price
and time, the ledger by owner, and an update through one is seen by the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol

ZERO = Decimal(0)


@dataclass(slots=True)
class LiveOrder:
    """One order as the engine keeps it while it can still change."""

    id: str
    owner: str = field(repr=False)
    symbol: Symbol
    side: Side
    type: OrderType
    price: Decimal
    volume: Decimal
    created_at: int
    deal_volume: Decimal = ZERO
    deal_money: Decimal = ZERO
    fee: Decimal = ZERO
    status: OrderStatus = OrderStatus.NEW

    @property
    def is_market_buy(self) -> bool:
        return self.type is OrderType.MARKET and self.side is Side.BUY

    @property
    def remaining(self) -> Decimal:
        """Base amount still to fill (not meaningful for a market buy)."""
        return self.volume - self.deal_volume

    @property
    def held_coin(self) -> str:
        """The coin this order spends: quote for a buy, base for a sell."""
        return self.symbol.held_coin(self.side)

    @property
    def received_coin(self) -> str:
        """The coin this order receives, in which its fee is charged."""
        return self.symbol.fee_coin(self.side)

    @property
    def hold(self) -> Decimal:
        """What this order keeps locked while it rests: quote for a buy, base for a sell."""
        if self.status.is_final or self.type is OrderType.MARKET:
            return ZERO
        if self.side is Side.BUY:
            return self.price * self.remaining
        return self.remaining

    def snapshot(self) -> Order:
        avg_price = ZERO
        if self.deal_volume:
            avg_price = (self.deal_money / self.deal_volume).quantize(
                self.symbol.tick, ROUND_HALF_EVEN
            )
        return Order(
            id=self.id,
            symbol=self.symbol.name,
            side=self.side,
            type=self.type,
            price=self.price,
            volume=self.volume,
            deal_volume=self.deal_volume,
            deal_money=self.deal_money,
            avg_price=avg_price,
            fee=self.fee,
            fee_coin=self.received_coin,
            status=self.status,
            created_at=self.created_at,
        )
