"""Market data values: ticker, public trades and kline bars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cdx.model.order import Side


@dataclass(frozen=True, slots=True)
class Ticker:
    """24 h rolling statistics of one symbol; `rose` is last / open - 1.

    The WebSocket push has no best bid/ask, so `buy` and `sell` may be None.
    """

    symbol: str
    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    vol: Decimal
    amount: Decimal
    rose: Decimal
    buy: Decimal | None = None
    sell: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade; `side` is the taker's side."""

    id: str
    price: Decimal
    amount: Decimal
    side: Side
    ts: int


@dataclass(frozen=True, slots=True)
class Kline:
    """One bar; `open_time` is in seconds, as the wire sends it."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vol: Decimal
    amount: Decimal = Decimal(0)
