"""Orders, sides, types and statuses as PROTOCOL.md section 5 defines them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(IntEnum):
    LIMIT = 1
    MARKET = 2


class OrderStatus(IntEnum):
    INIT = 0
    NEW = 1
    FILLED = 2
    PART_FILLED = 3
    CANCELED = 4
    PENDING_CANCEL = 5
    EXPIRED = 6

    @property
    def is_final(self) -> bool:
        """A final order never changes again and cannot be cancelled."""
        return self in (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED)


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange reports it.

    For a market buy `volume` is the quote amount to spend; for every other order it is the
    base amount. `price` is zero for market orders.
    """

    id: str
    symbol: str
    side: Side
    type: OrderType
    price: Decimal
    volume: Decimal
    deal_volume: Decimal
    deal_money: Decimal
    avg_price: Decimal
    fee: Decimal
    fee_coin: str
    status: OrderStatus
    created_at: int

    @property
    def is_open(self) -> bool:
        return not self.status.is_final

    @property
    def remaining(self) -> Decimal:
        """What is left to fill, in the unit of `volume`."""
        if self.type is OrderType.MARKET and self.side is Side.BUY:
            return self.volume - self.deal_money
        return self.volume - self.deal_volume
