"""Model values to wire dicts and back (PROTOCOL.md sections 5 and 6).

The server encodes with the `*_to_wire` functions and the client decodes with `*_from_wire`;
both are pinned by literal JSON in tests so a shared mistake cannot hide. Decoders raise
`CodecError` naming the field, never return a half-parsed value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from cdx.model.account import Account, Balance, Fill
from cdx.model.book import Book, Level
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import DecimalFormatError, from_wire, normalized_str, to_wire

T = TypeVar("T")


class CodecError(ValueError):
    """A wire value with a missing field, a wrong type or an unknown enum value."""


def _field(obj: Mapping[str, Any], name: str, convert: Callable[[Any], T]) -> T:
    if not isinstance(obj, Mapping):
        raise CodecError(f"expected an object holding {name!r}, got {type(obj).__name__}")
    if name not in obj:
        raise CodecError(f"missing field {name!r}")
    try:
        return convert(obj[name])
    except (DecimalFormatError, ValueError, TypeError) as exc:
        raise CodecError(f"field {name!r}: {exc}") from None


def _dec(value: Any) -> Decimal:
    return from_wire(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise ValueError(f"{value!r} is not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"{value!r} is not a string")
    return value


def _opt_dec(obj: Mapping[str, Any], name: str) -> Decimal | None:
    return _field(obj, name, _dec) if obj.get(name) not in (None, "") else None


def quote_str(value: Decimal) -> str:
    """Quote amounts, fees and ratios: as many decimals as they need, no exponent."""
    return normalized_str(value)


def price_str(value: Decimal, symbol: Symbol) -> str:
    return to_wire(value.quantize(symbol.tick, rounding=ROUND_HALF_EVEN))


def amount_str(value: Decimal, symbol: Symbol) -> str:
    return to_wire(value, symbol.amount_precision)


# Symbols ---------------------------------------------------------------------------------------


def symbol_to_wire(symbol: Symbol) -> dict[str, Any]:
    return {
        "symbol": symbol.name,
        "base_coin": symbol.base,
        "count_coin": symbol.quote,
        "price_precision": symbol.price_precision,
        "amount_precision": symbol.amount_precision,
        "min_amount": to_wire(symbol.min_amount, symbol.amount_precision),
        "min_value": quote_str(symbol.min_value),
    }


def symbol_from_wire(obj: Mapping[str, Any]) -> Symbol:
    return Symbol(
        name=_field(obj, "symbol", _str),
        base=_field(obj, "base_coin", _str),
        quote=_field(obj, "count_coin", _str),
        price_precision=_field(obj, "price_precision", _int),
        amount_precision=_field(obj, "amount_precision", _int),
        min_amount=_field(obj, "min_amount", _dec),
        min_value=_field(obj, "min_value", _dec),
    )


# Ticker ----------------------------------------------------------------------------------------


def ticker_to_rest(ticker: Ticker, symbol: Symbol) -> dict[str, Any]:
    return {
        "symbol": ticker.symbol,
        "time": ticker.time,
        "open": price_str(ticker.open, symbol),
        "high": price_str(ticker.high, symbol),
        "low": price_str(ticker.low, symbol),
        "last": price_str(ticker.last, symbol),
        "buy": price_str(ticker.buy, symbol) if ticker.buy is not None else None,
        "sell": price_str(ticker.sell, symbol) if ticker.sell is not None else None,
        "vol": amount_str(ticker.vol, symbol),
        "amount": quote_str(ticker.amount),
        "rose": quote_str(ticker.rose),
    }


def ticker_from_rest(obj: Mapping[str, Any]) -> Ticker:
    return Ticker(
        symbol=_field(obj, "symbol", _str),
        time=_field(obj, "time", _int),
        open=_field(obj, "open", _dec),
        high=_field(obj, "high", _dec),
        low=_field(obj, "low", _dec),
        last=_field(obj, "last", _dec),
        vol=_field(obj, "vol", _dec),
        amount=_field(obj, "amount", _dec),
        rose=_field(obj, "rose", _dec),
        buy=_opt_dec(obj, "buy"),
        sell=_opt_dec(obj, "sell"),
    )


def ticker_to_push_tick(ticker: Ticker, symbol: Symbol) -> dict[str, Any]:
    return {
        "open": price_str(ticker.open, symbol),
        "high": price_str(ticker.high, symbol),
        "low": price_str(ticker.low, symbol),
        "close": price_str(ticker.last, symbol),
        "vol": amount_str(ticker.vol, symbol),
        "amount": quote_str(ticker.amount),
        "rose": quote_str(ticker.rose),
    }


def ticker_from_push(symbol: str, ts: int, tick: Mapping[str, Any]) -> Ticker:
    return Ticker(
        symbol=symbol,
        time=ts,
        open=_field(tick, "open", _dec),
        high=_field(tick, "high", _dec),
        low=_field(tick, "low", _dec),
        last=_field(tick, "close", _dec),
        vol=_field(tick, "vol", _dec),
        amount=_field(tick, "amount", _dec),
        rose=_field(tick, "rose", _dec),
    )


# Depth -----------------------------------------------------------------------------------------


def _levels_to_wire(
    levels: tuple[Level, ...], price_decimals: int, symbol: Symbol
) -> list[list[str]]:
    return [
        [to_wire(price, price_decimals), amount_str(amount, symbol)] for price, amount in levels
    ]


def depth_to_rest(book: Book, symbol: Symbol, step: int) -> dict[str, Any]:
    """`data` of GET /v1/depth: note the legacy name `bids`."""
    decimals = symbol.step_decimals(step)
    return {
        "tick": {
            "time": book.time,
            "asks": _levels_to_wire(book.asks, decimals, symbol),
            "bids": _levels_to_wire(book.bids, decimals, symbol),
        }
    }


def depth_to_push_tick(book: Book, symbol: Symbol, step: int) -> dict[str, Any]:
    """`tick` of a depth push: note the legacy name `buys`."""
    decimals = symbol.step_decimals(step)
    return {
        "asks": _levels_to_wire(book.asks, decimals, symbol),
        "buys": _levels_to_wire(book.bids, decimals, symbol),
    }


def _levels_from_wire(value: Any) -> tuple[Level, ...]:
    if not isinstance(value, list):
        raise ValueError("levels are not a list")
    levels = []
    for row in value:
        if not isinstance(row, list) or len(row) < 2:
            raise ValueError(f"level {row!r} is not [price, amount]")
        levels.append((from_wire(row[0]), from_wire(row[1])))
    return tuple(levels)


def depth_from_rest(data: Mapping[str, Any]) -> Book:
    tick = _field(data, "tick", lambda value: value)
    return Book(
        asks=_field(tick, "asks", _levels_from_wire),
        bids=_field(tick, "bids", _levels_from_wire),
        time=_field(tick, "time", _int) if isinstance(tick, Mapping) and "time" in tick else 0,
    )


def depth_from_push(ts: int, tick: Mapping[str, Any]) -> Book:
    return Book(
        asks=_field(tick, "asks", _levels_from_wire),
        bids=_field(tick, "buys", _levels_from_wire),
        time=ts,
    )


# Trades ----------------------------------------------------------------------------------------


def trade_to_rest(trade: Trade, symbol: Symbol) -> dict[str, Any]:
    return {
        "id": trade.id,
        "price": price_str(trade.price, symbol),
        "amount": amount_str(trade.amount, symbol),
        "side": trade.side.value,
        "ts": trade.ts,
    }


def trade_from_rest(obj: Mapping[str, Any]) -> Trade:
    return Trade(
        id=_field(obj, "id", _str),
        price=_field(obj, "price", _dec),
        amount=_field(obj, "amount", _dec),
        side=_field(obj, "side", Side),
        ts=_field(obj, "ts", _int),
    )


def trade_to_push(trade: Trade, symbol: Symbol) -> dict[str, Any]:
    """One entry of a trade push's `tick.data`: `vol` base, `amount` quote."""
    return {
        "id": trade.id,
        "side": trade.side.value,
        "price": price_str(trade.price, symbol),
        "vol": amount_str(trade.amount, symbol),
        "amount": quote_str(trade.price * trade.amount),
        "ts": trade.ts,
    }


def trade_from_push(obj: Mapping[str, Any]) -> Trade:
    return Trade(
        id=_field(obj, "id", _str),
        price=_field(obj, "price", _dec),
        amount=_field(obj, "vol", _dec),
        side=_field(obj, "side", Side),
        ts=_field(obj, "ts", _int),
    )


# Klines ----------------------------------------------------------------------------------------


def kline_to_rest(bar: Kline, symbol: Symbol) -> list[Any]:
    return [
        bar.open_time,
        price_str(bar.open, symbol),
        price_str(bar.high, symbol),
        price_str(bar.low, symbol),
        price_str(bar.close, symbol),
        amount_str(bar.vol, symbol),
    ]


def kline_from_rest(row: Any) -> Kline:
    if not isinstance(row, list) or len(row) < 6:
        raise CodecError(f"kline {row!r} is not [time, open, high, low, close, vol]")
    try:
        return Kline(
            open_time=_int(row[0]),
            open=from_wire(row[1]),
            high=from_wire(row[2]),
            low=from_wire(row[3]),
            close=from_wire(row[4]),
            vol=from_wire(row[5]),
        )
    except (DecimalFormatError, ValueError) as exc:
        raise CodecError(f"kline: {exc}") from None


def kline_to_push_tick(bar: Kline, symbol: Symbol) -> dict[str, Any]:
    return {
        "id": bar.open_time,
        "open": price_str(bar.open, symbol),
        "high": price_str(bar.high, symbol),
        "low": price_str(bar.low, symbol),
        "close": price_str(bar.close, symbol),
        "vol": amount_str(bar.vol, symbol),
        "amount": quote_str(bar.amount),
    }


def kline_from_push(tick: Mapping[str, Any]) -> Kline:
    return Kline(
        open_time=_field(tick, "id", _int),
        open=_field(tick, "open", _dec),
        high=_field(tick, "high", _dec),
        low=_field(tick, "low", _dec),
        close=_field(tick, "close", _dec),
        vol=_field(tick, "vol", _dec),
        amount=_field(tick, "amount", _dec) if "amount" in tick else Decimal(0),
    )


# Account ---------------------------------------------------------------------------------------


def account_to_wire(account: Account) -> dict[str, Any]:
    """Balances are written exactly (fees make them longer than any symbol's precision)."""
    return {
        "total_asset": to_wire(account.total_asset, 8),
        "coin_list": [
            {
                "coin": b.coin,
                "normal": to_wire(b.available),
                "locked": to_wire(b.locked),
                "btcValuatin": to_wire(b.btc_value, 8),
            }
            for b in account.balances
        ],
    }


def account_from_wire(data: Mapping[str, Any]) -> Account:
    coins = _field(data, "coin_list", lambda value: value)
    if not isinstance(coins, list):
        raise CodecError("field 'coin_list' is not a list")
    balances = tuple(
        Balance(
            coin=_field(item, "coin", _str),
            available=_field(item, "normal", _dec),
            locked=_field(item, "locked", _dec),
            btc_value=_opt_dec(item, "btcValuatin") or Decimal(0),
        )
        for item in coins
    )
    total = _opt_dec(data, "total_asset") if isinstance(data, Mapping) else None
    return Account(balances=balances, total_asset=total or Decimal(0))


# Orders ----------------------------------------------------------------------------------------


def order_to_wire(order: Order, symbol: Symbol) -> dict[str, Any]:
    market_buy = order.type is OrderType.MARKET and order.side is Side.BUY
    return {
        "id": order.id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": int(order.type),
        "price": price_str(order.price, symbol),
        "volume": price_str(order.volume, symbol)
        if market_buy
        else amount_str(order.volume, symbol),
        "deal_volume": amount_str(order.deal_volume, symbol),
        "deal_money": quote_str(order.deal_money),
        "avg_price": price_str(order.avg_price, symbol),
        "fee": quote_str(order.fee),
        "fee_coin": order.fee_coin,
        "status": int(order.status),
        "status_msg": order.status.name,
        "created_at": order.created_at,
    }


def order_from_wire(obj: Mapping[str, Any]) -> Order:
    return Order(
        id=_field(obj, "id", _str),
        symbol=_field(obj, "symbol", _str),
        side=_field(obj, "side", Side),
        type=_field(obj, "type", lambda value: OrderType(_int(value))),
        price=_field(obj, "price", _dec),
        volume=_field(obj, "volume", _dec),
        deal_volume=_field(obj, "deal_volume", _dec),
        deal_money=_field(obj, "deal_money", _dec),
        avg_price=_field(obj, "avg_price", _dec),
        fee=_field(obj, "fee", _dec),
        fee_coin=_field(obj, "fee_coin", _str),
        status=_field(obj, "status", lambda value: OrderStatus(_int(value))),
        created_at=_field(obj, "created_at", _int),
    )


def fill_to_wire(fill: Fill, symbol: Symbol) -> dict[str, Any]:
    return {
        "id": fill.id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "price": price_str(fill.price, symbol),
        "volume": amount_str(fill.volume, symbol),
        "fee": quote_str(fill.fee),
        "feeCoin": fill.fee_coin,
        "ctime": fill.ctime,
        "order_id": fill.order_id,
    }


def fill_from_wire(obj: Mapping[str, Any]) -> Fill:
    return Fill(
        id=_field(obj, "id", _str),
        symbol=_field(obj, "symbol", _str),
        side=_field(obj, "side", Side),
        price=_field(obj, "price", _dec),
        volume=_field(obj, "volume", _dec),
        fee=_field(obj, "fee", _dec),
        fee_coin=_field(obj, "feeCoin", _str),
        ctime=_field(obj, "ctime", _int),
        order_id=_field(obj, "order_id", _str),
    )
