"""Balances and the account's own fills."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cdx.model.order import Side


@dataclass(frozen=True, slots=True)
class Balance:
    """One coin: `available` can be spent, `locked` is held by open orders."""

    coin: str
    available: Decimal
    locked: Decimal
    btc_value: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.available + self.locked


@dataclass(frozen=True, slots=True)
class Account:
    """Balances as the exchange reported them.

    `unreadable` counts the entries of the answer that could not be read (and were skipped):
    while it is non-zero, a coin missing from `balances` may hold money we cannot see, so a
    display must not show it as zero.
    """

    balances: tuple[Balance, ...]
    total_asset: Decimal = Decimal(0)
    unreadable: int = 0

    def balance(self, coin: str) -> Balance:
        """The balance of `coin`, zero if the account has none (see `knows`)."""
        for balance in self.balances:
            if balance.coin == coin:
                return balance
        return Balance(coin, Decimal(0), Decimal(0))

    def knows(self, coin: str) -> bool:
        """Whether the balance of `coin` is known: listed, or surely absent (nothing skipped)."""
        return self.unreadable == 0 or any(b.coin == coin for b in self.balances)


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of one of the account's orders (`myTrades`)."""

    id: str
    symbol: str
    side: Side
    price: Decimal
    volume: Decimal
    fee: Decimal
    fee_coin: str
    ctime: int
    order_id: str
