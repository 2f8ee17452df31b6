"""What a balance is worth: in a chosen quote coin (USDT for BTC/USDT) and in BTC.

The exchange values every balance in BTC itself (`Balance.btc_value`, PROTOCOL.md's
`btcValuatin`, at its own last prices). A value in the quote coin of a symbol is worked out
here from last prices: straight through the `<coin><quote>` market when one is listed, else
through BTC (the exchange's BTC value times the `btc<quote>` last price). The dashboard and
`cdx balances` use the same rules, so both show the same figure.

A coin that cannot be valued (no market prices it, the exchange sent no BTC value) has no
value (`None`), never a false zero: a display shows `–`. Pure and total: Decimal only, in a
context that cannot trap, so a server's absurd figures give `None`, not an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from cdx.model.account import Balance
from cdx.model.market import Ticker
from cdx.model.symbol import Symbol

Pair = tuple[str, str]
"""(base coin, quote coin) of a market, e.g. ("btc", "usdt")."""

BTC = "btc"

_MATH = Context(prec=60, traps=[])
"""Products of a balance and a price: more digits than any figure shown; nothing traps."""


def last_prices(tickers: Iterable[Ticker], symbols: Mapping[str, Symbol]) -> dict[Pair, Decimal]:
    """The last price of each listed market, by (base, quote); markets without a trade (last 0)
    or not in `symbols` are left out, since they price nothing."""
    prices: dict[Pair, Decimal] = {}
    for ticker in tickers:
        symbol = symbols.get(ticker.symbol)
        if symbol is not None and ticker.last.is_finite() and ticker.last > 0:
            prices[(symbol.base, symbol.quote)] = ticker.last
    return prices


def btc_value(balance: Balance) -> Decimal | None:
    """The exchange's BTC value of `balance`; None when it sent none for coins held (it writes
    0 for a coin it cannot price, and a missing field reads as 0)."""
    with localcontext(_MATH):
        if balance.total == 0:
            return Decimal(0)
    value = balance.btc_value
    return value if value.is_finite() and value > 0 else None


def value_in(balance: Balance, quote: str, prices: Mapping[Pair, Decimal]) -> Decimal | None:
    """`balance` valued in `quote` at `prices`: the coin itself, its `<coin><quote>` market,
    else its BTC value through `btc<quote>`; None when no path prices it."""
    with localcontext(_MATH):
        total = balance.total
        if total == 0:
            return Decimal(0)
        if balance.coin == quote:
            return _finite(total)
        direct = prices.get((balance.coin, quote))
        if direct is not None:
            return _finite(total * direct)
        in_btc = btc_value(balance)
        if in_btc is None:
            return None
        if quote == BTC:
            return in_btc
        rate = prices.get((BTC, quote))
        return _finite(in_btc * rate) if rate is not None else None


@dataclass(frozen=True, slots=True)
class Valued:
    """The values of a list of balances in one quote coin and in BTC, and their totals.

    `values` and `btc` run parallel to the balances; a total is None as soon as one coin held
    cannot be valued (a partial sum would understate the account).
    """

    values: tuple[Decimal | None, ...]
    btc: tuple[Decimal | None, ...]
    total: Decimal | None
    total_btc: Decimal | None


def valued(balances: Sequence[Balance], quote: str, prices: Mapping[Pair, Decimal]) -> Valued:
    """Every balance valued in `quote` and in BTC, with the totals of both columns."""
    values = tuple(value_in(balance, quote, prices) for balance in balances)
    btc = tuple(btc_value(balance) for balance in balances)
    return Valued(values, btc, _sum(values), _sum(btc))


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    with localcontext(_MATH):
        for value in values:
            if value is None:
                return None
            total += value
    return _finite(total)


def _finite(value: Decimal) -> Decimal | None:
    return value if value.is_finite() else None
