"""Market values to wire dicts and back: symbols, tickers (one, every symbol's, last prices)
and depth (PROTOCOL.md sections 5 and 6).

The server encodes with the `*_to_*` functions and the client decodes with `*_from_*`; both go
through `cdx.protocol.fields`, so every value passes the one gate. Decoders take an optional
`symbol`: with it, prices and amounts must also fit the symbol's precisions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from cdx.model.book import MAX_LEVELS, Book, Level
from cdx.model.market import Ticker
from cdx.model.symbol import Symbol
from cdx.protocol import fields, gate
from cdx.protocol.decimals import to_wire
from cdx.protocol.fields import (
    CodecError,
    amount_str,
    as_object,
    dec,
    decode_each,
    field,
    optional_field,
    precisions,
    price_str,
    quote_str,
    same_symbol,
    time_ms,
)
from cdx.protocol.gate import ANY_SIGN, NON_NEGATIVE, POSITIVE
from cdx.protocol.limits import MAX_LEVELS_READ, MAX_SYMBOLS

log = logging.getLogger(__name__)


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
    price_precision = field(obj, "price_precision", gate.precision)
    amount_precision = field(obj, "amount_precision", gate.precision)
    return Symbol(
        name=field(obj, "symbol", gate.symbol_name),
        base=field(obj, "base_coin", gate.coin_name),
        quote=field(obj, "count_coin", gate.coin_name),
        price_precision=price_precision,
        amount_precision=amount_precision,
        min_amount=field(obj, "min_amount", dec(NON_NEGATIVE, amount_precision)),
        min_value=field(obj, "min_value", dec(NON_NEGATIVE)),
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
    price_precision, amount_precision = precisions(symbol)
    price = dec(NON_NEGATIVE, price_precision)
    return _checked_ticker(
        Ticker(
            symbol=same_symbol(field(obj, "symbol", gate.symbol_name), symbol),
            time=field(obj, "time", gate.time_ms),
            open=field(obj, "open", price),
            high=field(obj, "high", price),
            low=field(obj, "low", price),
            last=field(obj, "last", price),
            vol=field(obj, "vol", dec(NON_NEGATIVE, amount_precision)),
            amount=field(obj, "amount", dec(NON_NEGATIVE)),
            rose=field(obj, "rose", dec(ANY_SIGN)),
            buy=optional_field(obj, "buy", price) or None,  # 0: no bid (a side may be empty)
            sell=optional_field(obj, "sell", price) or None,
        )
    )


def _checked_ticker(ticker: Ticker) -> Ticker:
    if ticker.low > ticker.high:
        raise CodecError(f"ticker {ticker.symbol}: low {ticker.low} is above high {ticker.high}")
    if ticker.buy is not None and ticker.sell is not None and ticker.buy >= ticker.sell:
        log.warning("ticker %s: best bid reaches best ask; dropped both", ticker.symbol)
        return replace(ticker, buy=None, sell=None)
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
    price_precision, amount_precision = precisions(symbol)
    price = dec(NON_NEGATIVE, price_precision)
    try:
        name = same_symbol(gate.symbol_name(name), symbol)
    except ValueError as exc:
        raise CodecError(f"channel symbol: {exc}") from None
    return _checked_ticker(
        Ticker(
            symbol=name,
            time=time_ms(ts),
            open=field(tick, "open", price),
            high=field(tick, "high", price),
            low=field(tick, "low", price),
            last=field(tick, "close", price),
            vol=field(tick, "vol", dec(NON_NEGATIVE, amount_precision)),
            amount=field(tick, "amount", dec(NON_NEGATIVE)),
            rose=field(tick, "rose", dec(ANY_SIGN)),
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


def level_decoder(
    price_precision: int | None, amount_precision: int | None
) -> Callable[[Any], Level]:
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


class DepthMemo:
    """The levels a depth channel's recent snapshots held, by the exact wire row they came from.

    A depth push is a full snapshot of up to 150 levels a side, of which a handful change
    between pushes (PROTOCOL.md section 6). Keeping `("27001.00", "0.250000") -> Level` lets
    the next snapshot reuse the `Level` of every row it repeats and send only the rows it has
    not seen through the gate. A `Level` is a pure function of its row and the symbol's
    precisions, so the reused one is the one a full decode would make (same value, same
    exponent); the memo is emptied when the precisions differ (a symbol learnt later).
    Only rows of exactly two strings are remembered: a JSON number may equal another of a
    different form (`1.0 == 1`) and a string never equals anything but the same string.
    A push kept as text (`frames.DepthText`) keys its rows by their bytes, which never equal
    a tuple, and only rows read from a frame in the layout, which `frames.read` relies on
    when it finds a row here (`rows`). Bounded: past `MEMO_LIMIT` rows it keeps only the
    latest snapshot's.
    """

    __slots__ = ("_levels", "_precisions")

    def __init__(self) -> None:
        self._levels: dict[tuple[Any, ...] | bytes, Level] = {}
        self._precisions: tuple[int | None, int | None] | None = None

    def levels(self, of: tuple[int | None, int | None]) -> dict[tuple[Any, ...] | bytes, Level]:
        """The remembered levels for these (price, amount) precisions."""
        if of != self._precisions:
            self._levels = {}
            self._precisions = of
        return self._levels

    def rows(self) -> dict[tuple[Any, ...] | bytes, Level]:
        """The remembered levels, for the precisions last asked for: what `frames.read`
        looks a depth push's rows up in (every row kept by its text was in the layout)."""
        return self._levels


MEMO_LIMIT = 4 * 2 * MAX_LEVELS
"""Rows a `DepthMemo` may hold before it keeps only the latest snapshot's (two sides of at
most `MAX_LEVELS`): four snapshots' worth, far more than change in a few seconds, and what
the next push needs is kept at a reset. Kept small because the dashboard holds it all day:
at 8,000 rows it was a sawtooth of about 3 MiB per channel (bench.memory_growth)."""


def _side(
    rows: Any, decode: Callable[[Any], Level], what: str, memo: DepthMemo | None, of: Any
) -> list[Level]:
    """`decode_each(rows, decode, ...)`, reusing the levels of rows already seen.

    Exactly the same result and log lines as `decode_each`: rows are looked up by their exact
    content (a list of anything else than lists is read the full way), rows not found go
    through the same `decode`, and a row that fails is never remembered, so it fails again
    with the same reason. Skips are reported by `decode_each`'s logger, in its words.
    """
    if memo is None or type(rows) is not list or len(rows) > MAX_LEVELS_READ:
        return decode_each(rows, decode, what, MAX_LEVELS_READ)
    if rows and set(map(type, rows)) != {list}:
        return decode_each(rows, decode, what, MAX_LEVELS_READ)
    levels = memo.levels(of)
    try:
        keys = list(map(tuple, rows))
        found: list[Level | None] = list(map(levels.get, keys))
    except TypeError:  # a row holding a list or an object: not a key, read the full way
        return decode_each(rows, decode, what, MAX_LEVELS_READ)
    if None not in found:
        return found  # type: ignore[return-value]  # every row seen before
    if len(levels) > MEMO_LIMIT:
        levels.clear()
        levels.update((key, level) for key, level in zip(keys, found, strict=True) if level)
    skipped, first_error = 0, ""
    index = found.index(None)  # the misses, found by C-level scans: a handful per push
    while True:
        row = rows[index]
        try:
            found[index] = level = decode(row)
        except CodecError as exc:
            skipped += 1
            first_error = first_error or str(exc)
        else:
            if len(row) == 2 and type(row[0]) is str and type(row[1]) is str:
                levels[keys[index]] = level
        try:
            index = found.index(None, index + 1)
        except ValueError:
            break
    if skipped:
        fields.log.warning(
            "%s: skipped %d of %d malformed (%s)", what, skipped, len(rows), first_error
        )
        return [level for level in found if level is not None]
    return found  # type: ignore[return-value]  # every None was replaced


def _book(
    tick: Any,
    bids_field: str,
    time: int,
    symbol: Symbol | None,
    what: str,
    memo: DepthMemo | None = None,
) -> Book:
    """Both sides decoded level by level, then repaired (see `gate.book_side`, `gate.uncross`).

    A side that is missing or not a list refuses the whole book; a bad level costs that level.
    With `memo`, rows seen in a recent snapshot of the channel reuse their level (`_side`);
    the repairs are the same either way, made on the same levels by the same gate.
    """
    of = precisions(symbol)
    decode = level_decoder(*of)
    what = f"{what} {symbol.name}" if symbol is not None else what
    sides = []
    for name, descending in (("asks", False), (bids_field, True)):
        rows = field(tick, name, lambda value: value)
        levels = _side(rows, decode, f"{what} {name}", memo, of)
        sides.append(gate.book_side(levels, descending=descending, what=f"{what} {name}"))
    asks, bids = gate.uncross(sides[0], sides[1], what=what)
    return Book(asks=asks, bids=bids, time=time)


def depth_from_rest(data: Any, *, symbol: Symbol | None = None) -> Book:
    """`data` of `GET /v1/depth`; a `tick.time` missing or 0 gives `time` 0 (unknown)."""
    tick = as_object(field(data, "tick", lambda value: value), "'tick'")
    given = tick.get("time")
    unknown = given is None or (type(given) is int and given == 0)
    time = 0 if unknown else field(tick, "time", gate.time_ms)
    return _book(tick, "bids", time, symbol, "depth")


def depth_from_push(
    ts: Any, tick: Any, *, symbol: Symbol | None = None, memo: DepthMemo | None = None
) -> Book:
    """A depth push's `tick` (legacy name `buys`); `ts` out of range refuses the whole push.

    `memo` (one per channel, kept by the reader between pushes) makes the decode incremental:
    only rows the channel has not sent recently are converted and checked; the `Book` is the
    one a decode without it gives.
    """
    return _book(as_object(tick, "'tick'"), "buys", time_ms(ts), symbol, "depth push", memo)


# Every symbol at once (rev 2) -----------------------------------------------------------------


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
    obj = as_object(data, "tickers")
    date = field(obj, "date", gate.time_ms)

    def one(row: Any) -> Ticker:
        if symbols is None:
            return ticker_from_rest(row)
        name = field(row, "symbol", gate.symbol_name)
        symbol = symbols.get(name)
        if symbol is None:
            raise CodecError(f"ticker of symbol {gate.shown(name)}, which was not listed")
        return ticker_from_rest(row, symbol=symbol)

    rows = field(obj, "ticker", lambda value: value)
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
    obj = as_object(data, "prices")
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
