"""Model values to wire dicts and back (PROTOCOL.md sections 5 and 6).

The server encodes with the `*_to_wire` functions and the client decodes with `*_from_wire`;
both are pinned by literal JSON in tests so a shared mistake cannot hide.

Decoding is the gate of STYLE.md section 7: every value passes `cdx.protocol.gate` (types,
ranges, precisions, sense) before a model object exists. A decoder of one entry raises
`CodecError` naming the field, never returns a half-parsed value, and raises nothing else
whatever it is given. A decoder of a list (`decode_each` and the `*s_from_*` functions) skips
and logs the entries that fail, so one bad level, trade, balance, symbol or order costs that
entry, not the message; it raises `CodecError` only when the list itself is missing or not a
list. Decoders of market data take an optional `symbol`: with it, prices and amounts must also
fit the symbol's precisions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from cdx.model.account import Account, Balance, Fill
from cdx.model.book import Book, Level
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderStatus, OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.decimals import normalized_str, to_wire
from cdx.protocol.gate import ANY_SIGN, NON_NEGATIVE, POSITIVE
from cdx.protocol.limits import (
    MAX_BALANCES,
    MAX_KLINES,
    MAX_LEVELS_READ,
    MAX_PAGE_ITEMS,
    MAX_SYMBOLS,
    MAX_TRADES,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class CodecError(ValueError):
    """A wire value with a missing field, a wrong type, an unknown enum value, or a value the
    gate refuses (out of range, wrong sign, too many decimals, senseless)."""


def _field(obj: Any, name: str, convert: Callable[[Any], T]) -> T:
    if not isinstance(obj, Mapping):
        raise CodecError(f"expected an object holding {name!r}, got {type(obj).__name__}")
    if name not in obj:
        raise CodecError(f"missing field {name!r}")
    try:
        return convert(obj[name])
    except (ValueError, TypeError) as exc:
        raise CodecError(f"field {name!r}: {exc}") from None


def _opt_field(obj: Mapping[str, Any], name: str, convert: Callable[[Any], T]) -> T | None:
    """A field a server may omit or send as null or empty."""
    value = obj.get(name)
    absent = value is None or (isinstance(value, str) and value == "")
    return None if absent else _field(obj, name, convert)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CodecError(f"{what} is not an object ({gate.shown(value)})")
    return value


def _dec(
    sign: str = POSITIVE, decimals: int | None = None, *, exact: bool = True
) -> Callable[[Any], Decimal]:
    """A field converter: a decimal checked by the gate for `sign` and, if known, `decimals`."""
    return lambda value: gate.decimal(value, sign=sign, decimals=decimals, exact=exact)


def _enum(cls: Any) -> Callable[[Any], Any]:
    return lambda value: gate.enum(cls, value)


def _precisions(symbol: Symbol | None) -> tuple[int | None, int | None]:
    """(price, amount) precisions to check against, or (None, None) for an unknown symbol."""
    if symbol is None:
        return None, None
    return symbol.price_precision, symbol.amount_precision


def _same_symbol(name: str, symbol: Symbol | None) -> str:
    if symbol is not None and name != symbol.name:
        raise CodecError(f"symbol {gate.shown(name)} where {symbol.name} was asked for")
    return name


def time_ms(value: Any) -> int:
    """A push's `ts` (or any wire time in ms) checked by the gate; `CodecError` if it is not.

    A push whose `ts` fails is skipped whole: its frame, not one entry, is wrong.
    """
    try:
        return gate.time_ms(value)
    except ValueError as exc:
        raise CodecError(f"'ts': {exc}") from None


def decode_each(
    items: Any, decode: Callable[[Any], T], what: str, limit: int = MAX_PAGE_ITEMS
) -> list[T]:
    """Decode every entry of a wire list, skipping those that fail, in the order given.

    Entries past `limit` are not decoded at all. Skipped entries are logged once per list
    (how many, and the first reason), so a hostile server cannot flood the log line by line.
    Raises `CodecError` only when `items` is not a list.
    """
    if not isinstance(items, list):
        raise CodecError(f"{what}: expected a list, got {gate.shown(items)}")
    if len(items) > limit:
        log.warning("%s: %d entries; read the first %d", what, len(items), limit)
        items = items[:limit]
    decoded: list[T] = []
    first_error = ""
    skipped = 0
    for item in items:
        try:
            decoded.append(decode(item))
        except CodecError as exc:
            skipped += 1
            first_error = first_error or str(exc)
    if skipped:
        log.warning("%s: skipped %d of %d malformed (%s)", what, skipped, len(items), first_error)
    return decoded


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


def symbol_from_wire(obj: Any) -> Symbol:
    """One entry of `/v1/symbols`: names checked, precisions 0..18, minimums not negative and
    `min_amount` within `amount_precision`."""
    price_precision = _field(obj, "price_precision", gate.precision)
    amount_precision = _field(obj, "amount_precision", gate.precision)
    return Symbol(
        name=_field(obj, "symbol", gate.symbol_name),
        base=_field(obj, "base_coin", gate.coin_name),
        quote=_field(obj, "count_coin", gate.coin_name),
        price_precision=price_precision,
        amount_precision=amount_precision,
        min_amount=_field(obj, "min_amount", _dec(NON_NEGATIVE, amount_precision)),
        min_value=_field(obj, "min_value", _dec(NON_NEGATIVE)),
    )


def symbols_from_wire(data: Any) -> list[Symbol]:
    """`data` of `/v1/symbols`: malformed entries skipped, a name given twice kept once (first)."""
    symbols = decode_each(data, symbol_from_wire, "symbols", MAX_SYMBOLS)
    unique: dict[str, Symbol] = {}
    for symbol in symbols:
        unique.setdefault(symbol.name, symbol)
    if len(unique) < len(symbols):
        log.warning("symbols: %d names given twice; kept the first", len(symbols) - len(unique))
    return list(unique.values())


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


def ticker_from_rest(obj: Any, *, symbol: Symbol | None = None) -> Ticker:
    """`data` of `GET /v1/ticker?symbol=S` (and one entry of the all-symbols form).

    Prices may be zero (a market with no trade and an empty book has no price yet), and a best
    bid or ask of zero or null is read as none; `rose` may be negative; `low` must not exceed
    `high`. A crossed best bid/ask is dropped, with a log line.
    """
    price_precision, amount_precision = _precisions(symbol)
    price = _dec(NON_NEGATIVE, price_precision)
    return _checked_ticker(
        Ticker(
            symbol=_same_symbol(_field(obj, "symbol", gate.symbol_name), symbol),
            time=_field(obj, "time", gate.time_ms),
            open=_field(obj, "open", price),
            high=_field(obj, "high", price),
            low=_field(obj, "low", price),
            last=_field(obj, "last", price),
            vol=_field(obj, "vol", _dec(NON_NEGATIVE, amount_precision)),
            amount=_field(obj, "amount", _dec(NON_NEGATIVE)),
            rose=_field(obj, "rose", _dec(ANY_SIGN)),
            buy=_opt_field(obj, "buy", price) or None,  # 0: no bid (a side may be empty)
            sell=_opt_field(obj, "sell", price) or None,
        )
    )


def _checked_ticker(ticker: Ticker) -> Ticker:
    if ticker.low > ticker.high:
        raise CodecError(f"ticker {ticker.symbol}: low {ticker.low} is above high {ticker.high}")
    if ticker.buy is not None and ticker.sell is not None and ticker.buy >= ticker.sell:
        log.warning("ticker %s: best bid reaches best ask; dropped both", ticker.symbol)
        return Ticker(
            ticker.symbol,
            ticker.time,
            ticker.open,
            ticker.high,
            ticker.low,
            ticker.last,
            ticker.vol,
            ticker.amount,
            ticker.rose,
        )
    return ticker


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


def ticker_from_push(name: str, ts: Any, tick: Any, *, symbol: Symbol | None = None) -> Ticker:
    """A ticker push: `name` from its channel, `ts` its time (out of range refuses it whole)."""
    price_precision, amount_precision = _precisions(symbol)
    price = _dec(NON_NEGATIVE, price_precision)
    try:
        name = _same_symbol(gate.symbol_name(name), symbol)
    except ValueError as exc:
        raise CodecError(f"channel symbol: {exc}") from None
    return _checked_ticker(
        Ticker(
            symbol=name,
            time=time_ms(ts),
            open=_field(tick, "open", price),
            high=_field(tick, "high", price),
            low=_field(tick, "low", price),
            last=_field(tick, "close", price),
            vol=_field(tick, "vol", _dec(NON_NEGATIVE, amount_precision)),
            amount=_field(tick, "amount", _dec(NON_NEGATIVE)),
            rose=_field(tick, "rose", _dec(ANY_SIGN)),
        )
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


def _level(price_precision: int | None, amount_precision: int | None) -> Callable[[Any], Level]:
    """A decoder of one `[price, amount]` row: both positive and, if known, within precision."""

    def decode(row: Any) -> Level:
        if not isinstance(row, list) or len(row) < 2:
            raise CodecError(f"level {gate.shown(row)} is not [price, amount]")
        try:
            return (
                gate.decimal(row[0], sign=POSITIVE, decimals=price_precision),
                gate.decimal(row[1], sign=POSITIVE, decimals=amount_precision),
            )
        except ValueError as exc:
            raise CodecError(f"level: {exc}") from None

    return decode


def _book(tick: Any, bids_field: str, time: int, symbol: Symbol | None, what: str) -> Book:
    """Both sides decoded level by level, then repaired (see `gate.book_side`, `gate.uncross`).

    A side that is missing or not a list refuses the whole book; a bad level costs that level.
    """
    decode = _level(*_precisions(symbol))
    what = f"{what} {symbol.name}" if symbol is not None else what
    sides = []
    for name, descending in (("asks", False), (bids_field, True)):
        rows = _field(tick, name, lambda value: value)
        levels = decode_each(rows, decode, f"{what} {name}", MAX_LEVELS_READ)
        sides.append(gate.book_side(levels, descending=descending, what=f"{what} {name}"))
    asks, bids = gate.uncross(sides[0], sides[1], what=what)
    return Book(asks=asks, bids=bids, time=time)


def depth_from_rest(data: Any, *, symbol: Symbol | None = None) -> Book:
    """`data` of `GET /v1/depth`; a `tick.time` missing or 0 gives `time` 0 (unknown)."""
    tick = _object(_field(data, "tick", lambda value: value), "'tick'")
    given = tick.get("time")
    unknown = given is None or (type(given) is int and given == 0)
    time = 0 if unknown else _field(tick, "time", gate.time_ms)
    return _book(tick, "bids", time, symbol, "depth")


def depth_from_push(ts: Any, tick: Any, *, symbol: Symbol | None = None) -> Book:
    """A depth push's `tick` (legacy name `buys`); `ts` out of range refuses the whole push."""
    return _book(_object(tick, "'tick'"), "buys", time_ms(ts), symbol, "depth push")


# Trades ----------------------------------------------------------------------------------------


def trade_to_rest(trade: Trade, symbol: Symbol) -> dict[str, Any]:
    return {
        "id": trade.id,
        "price": price_str(trade.price, symbol),
        "amount": amount_str(trade.amount, symbol),
        "side": trade.side.value,
        "ts": trade.ts,
    }


def trade_from_rest(obj: Any, *, symbol: Symbol | None = None) -> Trade:
    """One entry of `GET /v1/trades`."""
    return _trade(obj, "amount", symbol)


def trades_from_rest(data: Any, *, symbol: Symbol | None = None) -> list[Trade]:
    """`data` of `GET /v1/trades`: malformed trades skipped, in the server's order."""
    return decode_each(data, lambda obj: _trade(obj, "amount", symbol), "trades", MAX_TRADES)


def _trade(obj: Any, amount_field: str, symbol: Symbol | None) -> Trade:
    price_precision, amount_precision = _precisions(symbol)
    return Trade(
        id=_field(obj, "id", gate.digits_id),
        price=_field(obj, "price", _dec(POSITIVE, price_precision)),
        amount=_field(obj, amount_field, _dec(POSITIVE, amount_precision)),
        side=_field(obj, "side", _enum(Side)),
        ts=_field(obj, "ts", gate.time_ms),
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


def trade_from_push(obj: Any, *, symbol: Symbol | None = None) -> Trade:
    """One entry of a trade push's `tick.data` (or of a trade `req` answer): `vol` is base."""
    return _trade(obj, "vol", symbol)


def trades_from_push(tick: Any, *, symbol: Symbol | None = None) -> tuple[Trade, ...]:
    """A trade push's `tick`: `data` missing or not a list refuses the push, a bad trade is
    skipped."""
    data = _field(_object(tick, "'tick'"), "data", lambda value: value)
    return tuple(trades_from_req(data, symbol=symbol))


def trades_from_req(data: Any, *, symbol: Symbol | None = None) -> list[Trade]:
    """The `data` of a `req` answer on a trade channel: malformed trades skipped."""
    return decode_each(data, lambda obj: _trade(obj, "vol", symbol), "trade push", MAX_TRADES)


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


def kline_from_rest(row: Any, *, symbol: Symbol | None = None) -> Kline:
    """One bar of `GET /v1/klines`: `[open_time_seconds, open, high, low, close, vol]`."""
    if not isinstance(row, list) or len(row) < 6:
        raise CodecError(f"kline {gate.shown(row)} is not [time, open, high, low, close, vol]")
    fields = dict(zip(("id", "open", "high", "low", "close", "vol"), row, strict=False))
    return _kline(fields, symbol)


def klines_from_rest(data: Any, *, symbol: Symbol | None = None) -> list[Kline]:
    """`data` of `GET /v1/klines`: malformed bars skipped, oldest first as sent."""
    return decode_each(data, lambda row: kline_from_rest(row, symbol=symbol), "klines", MAX_KLINES)


def _kline(tick: Any, symbol: Symbol | None) -> Kline:
    """A bar from push-shaped fields: open time in seconds, prices positive, `low <= high`."""
    price_precision, amount_precision = _precisions(symbol)
    price = _dec(POSITIVE, price_precision)
    bar = Kline(
        open_time=_field(tick, "id", gate.time_s),
        open=_field(tick, "open", price),
        high=_field(tick, "high", price),
        low=_field(tick, "low", price),
        close=_field(tick, "close", price),
        vol=_field(tick, "vol", _dec(NON_NEGATIVE, amount_precision)),
        amount=_opt_field(tick, "amount", _dec(NON_NEGATIVE)) or Decimal(0),
    )
    if bar.low > bar.high:
        raise CodecError(f"kline {bar.open_time}: low {bar.low} is above high {bar.high}")
    return bar


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


def kline_from_push(tick: Any, *, symbol: Symbol | None = None) -> Kline:
    """A kline push's `tick` (or one entry of a kline `req` answer); `id` is the open time in s."""
    return _kline(_object(tick, "kline"), symbol)


def klines_from_req(data: Any, *, symbol: Symbol | None = None) -> list[Kline]:
    """The `data` of a `req` answer on a kline channel: malformed bars skipped."""
    return decode_each(data, lambda tick: _kline(tick, symbol), "kline answer", MAX_KLINES)


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


def balance_from_wire(obj: Any) -> Balance:
    """One entry of `coin_list`: `normal` is available; no amount may be negative."""
    return Balance(
        coin=_field(obj, "coin", gate.coin_name),
        available=_field(obj, "normal", _dec(NON_NEGATIVE)),
        locked=_field(obj, "locked", _dec(NON_NEGATIVE)),
        btc_value=_opt_field(obj, "btcValuatin", _dec(NON_NEGATIVE)) or Decimal(0),
    )


def account_from_wire(data: Any) -> Account:
    """`data` of `/v1/account`: a malformed coin is skipped (logged), a coin given twice kept
    once (first); a bad `total_asset` is logged and read as 0. Refused whole only when `data`
    is not an object or `coin_list` is not a list."""
    obj = _object(data, "account")
    coins = _field(obj, "coin_list", lambda value: value)
    balances = decode_each(coins, balance_from_wire, "balances", MAX_BALANCES)
    unique: dict[str, Balance] = {}
    for balance in balances:
        unique.setdefault(balance.coin, balance)
    if len(unique) < len(balances):
        log.warning("balances: %d coins given twice; kept the first", len(balances) - len(unique))
    try:
        total = _opt_field(obj, "total_asset", _dec(NON_NEGATIVE))
    except CodecError as exc:
        log.warning("account: %s; read as 0", exc)
        total = None
    return Account(balances=tuple(unique.values()), total_asset=total or Decimal(0))


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


def order_from_wire(obj: Any, *, symbol: Symbol | None = None) -> Order:
    """An ORDER of PROTOCOL.md section 5.

    A limit order's price is positive, a market order's may be 0 (rev 2); `volume` is positive
    and, except for a market buy (whose `volume` is quote), `deal_volume` never exceeds it.
    With `symbol`, the symbol must match and prices and amounts fit its precisions.
    """
    price_precision, amount_precision = _precisions(symbol)
    side = _field(obj, "side", _enum(Side))
    kind = _field(obj, "type", _enum(OrderType))
    market_buy = kind is OrderType.MARKET and side is Side.BUY
    order = Order(
        id=_field(obj, "id", gate.digits_id),
        symbol=_same_symbol(_field(obj, "symbol", gate.symbol_name), symbol),
        side=side,
        type=kind,
        price=_field(
            obj,
            "price",
            _dec(NON_NEGATIVE if kind is OrderType.MARKET else POSITIVE, price_precision),
        ),
        volume=_field(
            obj, "volume", _dec(POSITIVE, price_precision if market_buy else amount_precision)
        ),
        deal_volume=_field(obj, "deal_volume", _dec(NON_NEGATIVE, amount_precision)),
        deal_money=_field(obj, "deal_money", _dec(NON_NEGATIVE)),
        avg_price=_field(obj, "avg_price", _dec(NON_NEGATIVE, price_precision, exact=False)),
        fee=_field(obj, "fee", _dec(NON_NEGATIVE)),
        fee_coin=_field(obj, "fee_coin", gate.fee_coin),
        status=_field(obj, "status", _enum(OrderStatus)),
        created_at=_field(obj, "created_at", gate.time_ms),
    )
    if not market_buy and order.deal_volume > order.volume:
        raise CodecError(
            f"order {order.id}: deal_volume {order.deal_volume} exceeds volume {order.volume}"
        )
    return order


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


def fill_from_wire(obj: Any, *, symbol: Symbol | None = None) -> Fill:
    """One FILL of `myTrades`: price and volume positive, fee not negative."""
    price_precision, amount_precision = _precisions(symbol)
    return Fill(
        id=_field(obj, "id", gate.digits_id),
        symbol=_same_symbol(_field(obj, "symbol", gate.symbol_name), symbol),
        side=_field(obj, "side", _enum(Side)),
        price=_field(obj, "price", _dec(POSITIVE, price_precision)),
        volume=_field(obj, "volume", _dec(POSITIVE, amount_precision)),
        fee=_field(obj, "fee", _dec(NON_NEGATIVE)),
        fee_coin=_field(obj, "feeCoin", gate.fee_coin),
        ctime=_field(obj, "ctime", gate.time_ms),
        order_id=_field(obj, "order_id", gate.digits_id),
    )


# Revision 2: tickers of every market, last prices, dates as text --------------------------------

DATE_TEXT_FORMAT = "%Y-%m-%d %H:%M:%S"
"""The legacy text form of `startDate` / `endDate` (rev 2), read as UTC."""

_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_DATE_MS = re.compile(r"[0-9]{1,16}")


def date_param_from_wire(value: str) -> int:
    """A `startDate` / `endDate` parameter as Unix ms: either Unix ms (decimal digits) or the
    legacy `yyyy-MM-dd HH:mm:ss` in UTC (rev 2). Anything else raises `CodecError`."""
    if not isinstance(value, str):
        raise CodecError(f"a date must be a string, got {gate.shown(value)}")
    if _DATE_MS.fullmatch(value):
        return int(value)
    if _DATE_TEXT.fullmatch(value):
        try:
            moment = datetime.strptime(value, DATE_TEXT_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise CodecError(f"{gate.shown(value)} is not a calendar date and time") from None
        return int(moment.timestamp()) * 1000
    raise CodecError(
        f"{gate.shown(value)} is neither Unix ms nor a UTC date as yyyy-MM-dd HH:mm:ss"
    )


def date_param_to_wire(ms: int) -> str:
    """A date parameter as this client sends it: Unix ms (the form every server reads)."""
    return str(ms)


def tickers_to_rest(tickers: list[tuple[Ticker, Symbol]], date_ms: int) -> dict[str, Any]:
    """`data` of `GET /v1/ticker` without `symbol`: `{"date", "ticker": [TICKER, ...]}`, in
    the order given (the server gives `/v1/symbols` order)."""
    return {
        "date": date_ms,
        "ticker": [ticker_to_rest(ticker, symbol) for ticker, symbol in tickers],
    }


def tickers_from_rest(
    data: Any, *, symbols: Mapping[str, Symbol] | None = None
) -> tuple[int, list[Ticker]]:
    """(date ms, tickers) of `GET /v1/ticker` without `symbol`.

    A bad ticker is skipped, not the answer; with `symbols`, a ticker of a symbol not in it is
    skipped too, and the others are checked against their symbol's precisions. Refused whole
    (`CodecError`) only when `date` is bad or `ticker` is not a list.
    """
    obj = _object(data, "tickers")
    date = _field(obj, "date", gate.time_ms)

    def one(row: Any) -> Ticker:
        if symbols is None:
            return ticker_from_rest(row)
        name = _field(row, "symbol", gate.symbol_name)
        symbol = symbols.get(name)
        if symbol is None:
            raise CodecError(f"ticker of symbol {gate.shown(name)}, which was not listed")
        return ticker_from_rest(row, symbol=symbol)

    rows = _field(obj, "ticker", lambda value: value)
    return date, decode_each(rows, one, "tickers", MAX_SYMBOLS)


def prices_to_rest(prices: list[tuple[Symbol, Decimal]]) -> dict[str, str]:
    """`data` of `GET /v1/ticker/price`: symbol -> last price in its price precision."""
    return {symbol.name: price_str(price, symbol) for symbol, price in prices}


def prices_from_rest(
    data: Any, *, symbols: Mapping[str, Symbol] | None = None
) -> dict[str, Decimal]:
    """`data` of `GET /v1/ticker/price`: symbol -> last price (zero allowed: no price yet).

    A bad entry (name, value, or with `symbols` an unlisted symbol or too many decimals) is
    skipped and logged; refused whole only when `data` is not an object.
    """
    obj = _object(data, "prices")
    prices: dict[str, Decimal] = {}
    skipped, first_error = 0, ""
    for name, value in list(obj.items())[:MAX_SYMBOLS]:
        try:
            name = gate.symbol_name(name)
            symbol = symbols.get(name) if symbols is not None else None
            if symbols is not None and symbol is None:
                raise ValueError(f"symbol {gate.shown(name)} was not listed")
            decimals = symbol.price_precision if symbol is not None else None
            prices[name] = gate.decimal(value, sign=NON_NEGATIVE, decimals=decimals)
        except ValueError as exc:
            skipped += 1
            first_error = first_error or str(exc)
    if skipped:
        log.warning("prices: skipped %d of %d malformed (%s)", skipped, len(obj), first_error)
    return prices
