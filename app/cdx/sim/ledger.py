"""The ledger of the embedded exchange: accounts, available and locked balances, holds, fees.

Every amount that moves between accounts moves here, so the promise that funds are conserved
per coin (what one account pays goes to another or, as the fee, to the fee account) is kept in
one place. Arithmetic runs in `EXACT`, a context wide enough that no sum or product rounds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Context, Decimal, localcontext
from typing import ParamSpec, TypeVar

from cdx.model.account import Account, Balance, Fill
from cdx.model.market import Trade
from cdx.model.order import OrderType
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import normalized_str
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.sim.orders import ZERO, LiveOrder

EXACT = Context(prec=80)
"""Balances are sums of products of prices, amounts and the fee rate; 80 digits keep every one
of them exact, so funds are conserved to the last digit."""

_SATOSHI = Decimal("0.00000001")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def exact(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `method` in the `EXACT` context (for every call that moves funds)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(EXACT):
            return method(*args, **kwargs)

    return wrapper


@dataclass(slots=True)
class Funds:
    available: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(slots=True)
class Holder:
    """One account: its funds per coin, its orders and (unless internal) its history."""

    funds: dict[str, Funds]
    record_history: bool
    open: dict[str, dict[str, LiveOrder]] = field(default_factory=dict)
    """symbol -> order id -> open order, in id order."""
    orders: dict[str, dict[str, LiveOrder]] = field(default_factory=dict)
    """symbol -> order id -> every order kept (open and final), in id order."""
    fills: dict[str, list[Fill]] = field(default_factory=dict)

    def coin(self, coin: str) -> Funds:
        funds = self.funds.get(coin)
        if funds is None:
            funds = self.funds[coin] = Funds()
        return funds


class Ledger:
    """Accounts by api_key plus the internal fee account; the engine's only way to move funds."""

    def __init__(self, fee_rate: Decimal) -> None:
        self.fee_rate = fee_rate
        self._holders: dict[str, Holder] = {}
        self._fees: dict[str, Decimal] = {}

    def open_account(
        self, api_key: str, balances: Mapping[str, Decimal], *, record_history: bool
    ) -> None:
        if api_key in self._holders:
            raise ValueError("an account with this api_key is already open")
        for coin, amount in balances.items():
            if amount < 0:
                raise ValueError(f"opening balance of {coin} is negative")
        self._holders[api_key] = Holder(
            funds={coin: Funds(available=Decimal(amount)) for coin, amount in balances.items()},
            record_history=record_history,
        )

    def has(self, api_key: str) -> bool:
        return api_key in self._holders

    def holder(self, api_key: str) -> Holder:
        """The account of `api_key`; 100003 when there is none."""
        holder = self._holders.get(api_key)
        if holder is None:
            raise Refusal(ErrorCode.UNKNOWN_API_KEY, "api_key is not known to this exchange")
        return holder

    def owner(self, order: LiveOrder) -> Holder:
        return self._holders[order.owner]

    # Holds -------------------------------------------------------------------------------------

    def require(self, holder: Holder, coin: str, needed: Decimal) -> Funds:
        """The funds of `coin`, provided `needed` of it is available; else 110005."""
        funds = holder.coin(coin)
        if funds.available < needed:
            raise Refusal(
                ErrorCode.INSUFFICIENT_BALANCE,
                f"the order needs {normalized_str(needed)} {coin} but only "
                f"{normalized_str(funds.available)} {coin} is available",
            )
        return funds

    @staticmethod
    def lock(funds: Funds, amount: Decimal) -> None:
        funds.available -= amount
        funds.locked += amount

    def release(self, order: LiveOrder) -> None:
        """Unlock what a resting order holds (call before it becomes final)."""
        hold = order.hold
        funds = self.owner(order).coin(order.held_coin)
        funds.locked -= hold
        funds.available += hold

    # Trades ------------------------------------------------------------------------------------

    def settle(
        self, buyer: LiveOrder, seller: LiveOrder, price: Decimal, qty: Decimal
    ) -> tuple[Decimal, Decimal]:
        """Move `qty` base at `price` from seller to buyer, less fees; (buyer fee, seller fee).

        A limit buy pays from its hold and gets back what it locked above the trade price; a
        market order pays from available funds (it never locks).
        """
        sym = buyer.symbol
        money = price * qty
        buyer_acct, seller_acct = self.owner(buyer), self.owner(seller)
        buyer_quote = buyer_acct.coin(sym.quote)
        if buyer.type is OrderType.LIMIT:
            buyer_quote.locked -= buyer.price * qty
            buyer_quote.available += (buyer.price - price) * qty
        else:
            buyer_quote.available -= money
        buyer_fee = qty * self.fee_rate
        buyer_acct.coin(sym.base).available += qty - buyer_fee

        seller_base = seller_acct.coin(sym.base)
        if seller.type is OrderType.LIMIT:
            seller_base.locked -= qty
        else:
            seller_base.available -= qty
        seller_fee = money * self.fee_rate
        seller_acct.coin(sym.quote).available += money - seller_fee

        self._fees[sym.base] = self._fees.get(sym.base, ZERO) + buyer_fee
        self._fees[sym.quote] = self._fees.get(sym.quote, ZERO) + seller_fee
        return buyer_fee, seller_fee

    def record_fill(self, order: LiveOrder, trade: Trade, fee: Decimal) -> None:
        """The owner's own record of its part in `trade` (internal accounts keep none)."""
        holder = self.owner(order)
        if not holder.record_history:
            return
        fill = Fill(
            id=trade.id,
            symbol=order.symbol.name,
            side=order.side,
            price=trade.price,
            volume=trade.amount,
            fee=fee,
            fee_coin=order.received_coin,
            ctime=trade.ts,
            order_id=order.id,
        )
        holder.fills.setdefault(order.symbol.name, []).append(fill)

    # Reading -----------------------------------------------------------------------------------

    def statement(
        self, api_key: str, coins: Sequence[str], rate: Callable[[str], Decimal | None]
    ) -> Account:
        """Every coin of `coins` (zeros included) and any other the account holds, valued in BTC
        with `rate` (BTC per unit, or None when a coin has no price)."""
        holder = self.holder(api_key)
        listed = list(coins) + [c for c in holder.funds if c not in coins]
        balances = []
        total = ZERO
        for coin in listed:
            funds = holder.funds.get(coin, Funds())
            btc = rate(coin)
            value = ZERO
            if btc is not None:
                value = ((funds.available + funds.locked) * btc).quantize(_SATOSHI, ROUND_DOWN)
            total += value
            balances.append(Balance(coin, tidy(funds.available), tidy(funds.locked), value))
        return Account(tuple(balances), total)

    def fee_balances(self) -> Mapping[str, Decimal]:
        return dict(self._fees)

    def balances_of(self, api_key: str) -> Mapping[str, tuple[Decimal, Decimal]]:
        holder = self.holder(api_key)
        return {coin: (f.available, f.locked) for coin, f in holder.funds.items()}

    def holds_of(self, api_key: str) -> Mapping[str, Decimal]:
        holds: dict[str, Decimal] = {}
        for orders in self.holder(api_key).open.values():
            for order in orders.values():
                holds[order.held_coin] = holds.get(order.held_coin, ZERO) + order.hold
        return holds

    def api_keys(self) -> list[str]:
        return list(self._holders)


def btc_rate(
    coin: str, prices: Sequence[tuple[Symbol, Decimal]], seen: frozenset[str] = frozenset()
) -> Decimal | None:
    """BTC per unit of `coin` at the (symbol, last price) pairs, through at most one
    intermediate coin; None when no path prices it."""
    if coin == "btc":
        return Decimal(1)
    seen = seen | {coin}
    for symbol, price in prices:
        if not price:
            continue
        if symbol.base == coin and symbol.quote == "btc":
            return price
        if symbol.quote == coin and symbol.base == "btc":
            return 1 / price
    if len(seen) > 2:
        return None
    for symbol, price in prices:
        if symbol.base == coin and symbol.quote not in seen and price:
            rate = btc_rate(symbol.quote, prices, seen)
            if rate is not None:
                return price * rate
    return None


def tidy(value: Decimal) -> Decimal:
    """The same value without trailing zeros (and never in exponent form)."""
    if not value:
        return ZERO
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value
