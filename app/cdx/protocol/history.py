"""What traded, to wire dicts and back: public trades and kline bars (PROTOCOL.md sections 5
and 6), over REST, in pushes and in `req` answers.

Decoders go through `cdx.protocol.fields`, so every value passes the one gate; with `symbol`,
prices and amounts must also fit its precisions. A list skips a bad trade or bar, not itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cdx.model.market import Kline, Trade
from cdx.model.order import Side
from cdx.model.symbol import Symbol
from cdx.protocol import gate
from cdx.protocol.fields import (
    CodecError,
    amount_str,
    as_object,
    dec,
    decode_each,
    enum_of,
    field,
    optional_field,
    precisions,
    price_str,
    quote_str,
)
from cdx.protocol.gate import NON_NEGATIVE, POSITIVE
from cdx.protocol.limits import MAX_KLINES, MAX_TRADES

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
    price_precision, amount_precision = precisions(symbol)
    return Trade(
        id=field(obj, "id", gate.digits_id),
        price=field(obj, "price", dec(POSITIVE, price_precision)),
        amount=field(obj, amount_field, dec(POSITIVE, amount_precision)),
        side=field(obj, "side", enum_of(Side)),
        ts=field(obj, "ts", gate.time_ms),
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
    data = field(as_object(tick, "'tick'"), "data", lambda value: value)
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
    price_precision, amount_precision = precisions(symbol)
    price = dec(POSITIVE, price_precision)
    bar = Kline(
        open_time=field(tick, "id", gate.time_s),
        open=field(tick, "open", price),
        high=field(tick, "high", price),
        low=field(tick, "low", price),
        close=field(tick, "close", price),
        vol=field(tick, "vol", dec(NON_NEGATIVE, amount_precision)),
        amount=optional_field(tick, "amount", dec(NON_NEGATIVE)) or Decimal(0),
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
    return _kline(as_object(tick, "kline"), symbol)


def klines_from_req(data: Any, *, symbol: Symbol | None = None) -> list[Kline]:
    """The `data` of a `req` answer on a kline channel: malformed bars skipped."""
    return decode_each(data, lambda tick: _kline(tick, symbol), "kline answer", MAX_KLINES)
