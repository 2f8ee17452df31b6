"""A tradable symbol and the precision rules every order must meet."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cdx.model.order import Side

FEE_RATE = Decimal("0.001")
"""The exchange's fee (PROTOCOL.md section 5: 0.1 % of what an order receives, maker and taker
alike), charged in the order's `Symbol.fee_coin`."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """A market such as btcusdt: base coin priced in quote (count) coin.

    `min_value` is the smallest quote value of an order (price x volume of a limit order, the
    `volume` of a market buy).
    """

    name: str
    base: str
    quote: str
    price_precision: int
    amount_precision: int
    min_amount: Decimal
    min_value: Decimal

    @property
    def tick(self) -> Decimal:
        """The smallest price increment."""
        return Decimal(1).scaleb(-self.price_precision)

    @property
    def lot(self) -> Decimal:
        """The smallest base amount increment."""
        return Decimal(1).scaleb(-self.amount_precision)

    def step_size(self, step: int) -> Decimal:
        """The bucket size of depth step `step` (PROTOCOL.md: 10^(step - price_precision))."""
        return Decimal(1).scaleb(step - self.price_precision)

    def step_decimals(self, step: int) -> int:
        """How many decimals prices are printed with at depth step `step`."""
        return max(self.price_precision - step, 0)

    def held_coin(self, side: Side) -> str:
        """The coin an order of `side` spends, and locks while it rests: quote for a buy, base
        for a sell. The exchange checks the balance of this coin before it accepts an order."""
        return self.quote if side is Side.BUY else self.base

    def fee_coin(self, side: Side) -> str:
        """The coin an order of `side` receives, in which its fee is charged (PROTOCOL.md: the
        fee is a share of what the order receives): base for a buy, quote for a sell."""
        return self.base if side is Side.BUY else self.quote
