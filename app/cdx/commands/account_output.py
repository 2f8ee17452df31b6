"""What `cdx balances` and `cdx orders` print: table rows and JSON objects, from model values.

Decimals are printed exactly as the exchange sent them (`to_wire`: no grouping, no exponent),
so a figure can be pasted back into `cdx place`, which refuses separators. Columns and JSON
fields only ever get added at the end: scripts that read the first columns or the existing
fields keep working.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cdx.commands.printable import printable
from cdx.model.account import Account
from cdx.model.market import Ticker
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.model.valuation import BTC, Valued, last_prices, valued
from cdx.protocol.decimals import to_wire

NO_VALUE = "-"
"""A cell with nothing to say: a coin no price values, an order with nothing filled."""

BTC_DECIMALS = 8

BALANCE_HEADER = ("coin", "available", "locked", "total")
ORDER_HEADER = ("id", "side", "type", "price", "volume", "filled", "status", "avg_price", "amount")


@dataclass(frozen=True, slots=True)
class Valuation:
    """The balances valued in `quote` (shown with `decimals` places) and in BTC."""

    quote: str
    decimals: int
    worth: Valued


def valuation(
    account: Account, quote: str, symbols: Sequence[Symbol], tickers: Sequence[Ticker]
) -> Valuation:
    """Value `account` in `quote` at the tickers' last prices, as the dashboard does."""
    by_name = {symbol.name: symbol for symbol in symbols}
    prices = last_prices(tickers, by_name)
    return Valuation(quote, quote_decimals(symbols, quote), valued(account.balances, quote, prices))


def quote_decimals(symbols: Sequence[Symbol], quote: str) -> int:
    """Decimals of values in `quote`: the price precision of `btc<quote>` if listed, else of
    the first market priced in `quote`; 8 (a satoshi) for BTC or a coin no market prices in."""
    if quote == BTC:
        return BTC_DECIMALS
    priced_in = [s for s in symbols if s.quote == quote]
    for symbol in priced_in:
        if symbol.base == BTC:
            return symbol.price_precision
    return priced_in[0].price_precision if priced_in else BTC_DECIMALS


def balance_rows(account: Account, worth: Valuation | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of `cdx balances`; with a valuation, two value columns and a total row
    (one column when the quote coin is BTC)."""
    header = list(BALANCE_HEADER)
    rows = [
        [printable(b.coin), to_wire(b.available), to_wire(b.locked), to_wire(b.total)]
        for b in account.balances
    ]
    if worth is None:
        return header, rows
    columns = _value_columns(worth)
    for name, _, _, _ in columns:
        header.append(name)
    for i, row in enumerate(rows):
        row.extend(_value(values[i], decimals) for _, values, _, decimals in columns)
    total = ["total", NO_VALUE, NO_VALUE, NO_VALUE]
    rows.append(total + [_value(sum_, decimals) for _, _, sum_, decimals in columns])
    return header, rows


def _value_columns(
    worth: Valuation,
) -> list[tuple[str, Sequence[Decimal | None], Decimal | None, int]]:
    quote = printable(worth.quote)
    columns = [(f"value_{quote}", worth.worth.values, worth.worth.total, worth.decimals)]
    if worth.quote != BTC:
        columns.append(("value_btc", worth.worth.btc, worth.worth.total_btc, BTC_DECIMALS))
    return columns


def balances_json(account: Account, worth: Valuation | None) -> dict[str, Any]:
    """`cdx balances --json`: every balance with its BTC value (from the exchange); with a
    valuation, `value` per coin and `total_value` in `value_coin` (null: cannot be valued)."""
    out: dict[str, Any] = {
        "total_asset_btc": to_wire(account.total_asset),
        "balances": [
            {
                "coin": b.coin,
                "available": to_wire(b.available),
                "locked": to_wire(b.locked),
                "total": to_wire(b.total),
                "btc_value": to_wire(b.btc_value),
            }
            for b in account.balances
        ],
    }
    if worth is not None:
        out["value_coin"] = worth.quote
        out["total_value"] = _json_value(worth.worth.total, worth.decimals)
        for entry, value in zip(out["balances"], worth.worth.values, strict=True):
            entry["value"] = _json_value(value, worth.decimals)
    return out


def order_row(order: Order, symbol: Symbol | None) -> list[str]:
    """A row of `cdx orders`: the exchange's fields, then the average fill price and what the
    order asks for in words (`spend 60000.00 USDT` for a market buy, `0.01 BTC` otherwise)."""
    return [
        printable(order.id),
        order.side.value,
        order.type.name,
        to_wire(order.price),
        to_wire(order.volume),
        to_wire(order.deal_volume),
        order.status.name,
        to_wire(order.avg_price) if order.deal_volume > 0 else NO_VALUE,
        amount_words(order, symbol),
    ]


def amount_words(order: Order, symbol: Symbol | None) -> str:
    """The order's size with its coin; a market buy's `volume` is quote to spend, said so."""
    if _spends_quote(order):
        if symbol is None:
            return f"spend {to_wire(order.volume)} of the quote coin"
        return f"spend {to_wire(order.volume, symbol.price_precision)} {_coin(symbol.quote)}"
    if symbol is None:
        return to_wire(order.volume)
    return f"{to_wire(order.volume)} {_coin(symbol.base)}"


def order_json(order: Order, symbol: Symbol | None) -> dict[str, Any]:
    """An order as scripts see it: decimals as exact strings, enums by name; `volume_coin`
    names the coin `volume` is in (null when the symbol is unknown) and `spend` is a market
    buy's quote amount (null for every other order)."""
    return {
        "id": order.id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": order.type.name.lower(),
        "price": to_wire(order.price),
        "volume": to_wire(order.volume),
        "deal_volume": to_wire(order.deal_volume),
        "deal_money": to_wire(order.deal_money),
        "avg_price": to_wire(order.avg_price),
        "fee": to_wire(order.fee),
        "fee_coin": order.fee_coin,
        "status": order.status.name,
        "created_at": order.created_at,
        "volume_coin": _volume_coin(order, symbol),
        "spend": to_wire(order.volume) if _spends_quote(order) else None,
    }


def symbol_map(symbols: Sequence[Symbol]) -> Mapping[str, Symbol]:
    return {symbol.name: symbol for symbol in symbols}


def _volume_coin(order: Order, symbol: Symbol | None) -> str | None:
    if symbol is None:
        return None
    return symbol.quote if _spends_quote(order) else symbol.base


def _spends_quote(order: Order) -> bool:
    return order.type is OrderType.MARKET and order.side is Side.BUY


def _coin(coin: str) -> str:
    return printable(coin.upper())


def _value(value: Decimal | None, decimals: int) -> str:
    return NO_VALUE if value is None else to_wire(value, decimals)


def _json_value(value: Decimal | None, decimals: int) -> str | None:
    return None if value is None else to_wire(value, decimals)
