"""WebSocket channel names (PROTOCOL.md section 6): building and parsing `market_{s}_...`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum


class ChannelKind(StrEnum):
    TICKER = "ticker"
    DEPTH = "depth"
    TRADE = "trade"
    KLINE = "kline"


KLINE_INTERVALS: dict[str, int] = {
    "1min": 1,
    "5min": 5,
    "15min": 15,
    "30min": 30,
    "60min": 60,
    "1day": 1440,
    "1week": 10080,
    "1month": 43200,
}
"""Kline channel suffix -> period in minutes (the REST `period` values)."""

MAX_SUBSCRIPTIONS = 100
TRADES_PER_REQ = 50

_PATTERN = re.compile(
    r"^market_(?P<symbol>[a-z0-9]+)_(?:"
    r"(?P<ticker>ticker)|depth_step(?P<step>[0-2])|(?P<trade>trade_ticker)|kline_(?P<kline>[0-9a-z]+)"
    r")$"
)


@dataclass(frozen=True, slots=True)
class Channel:
    """A parsed channel: its symbol, kind, and the depth step or kline interval where it has one."""

    symbol: str
    kind: ChannelKind
    step: int = 0
    interval: str = ""

    @property
    def name(self) -> str:
        match self.kind:
            case ChannelKind.TICKER:
                return ticker(self.symbol)
            case ChannelKind.DEPTH:
                return depth(self.symbol, self.step)
            case ChannelKind.TRADE:
                return trade(self.symbol)
            case ChannelKind.KLINE:
                return kline(self.symbol, self.interval)


def ticker(symbol: str) -> str:
    return f"market_{symbol}_ticker"


def depth(symbol: str, step: int) -> str:
    return f"market_{symbol}_depth_step{step}"


def trade(symbol: str) -> str:
    return f"market_{symbol}_trade_ticker"


def kline(symbol: str, interval: str) -> str:
    return f"market_{symbol}_kline_{interval}"


def parse(name: str) -> Channel | None:
    """The channel a name denotes, or None if it is not a channel of the protocol.

    Whether the symbol exists is the server's business; this only checks the shape. Every
    push names its channel, so the answers for a few hundred short names are remembered.
    """
    if isinstance(name, str) and len(name) <= _CACHED_NAME:
        return _parse_cached(name)
    return _parse(name)


_CACHED_NAME = 64
"""Longest name whose answer `parse` remembers (a channel of a 24-letter symbol is 50)."""


@functools.lru_cache(maxsize=512)
def _parse_cached(name: str) -> Channel | None:
    return _parse(name)


def _parse(name: str) -> Channel | None:
    match = _PATTERN.match(name) if isinstance(name, str) else None
    if match is None:
        return None
    symbol = match["symbol"]
    if match["ticker"]:
        return Channel(symbol, ChannelKind.TICKER)
    if match["step"] is not None:
        return Channel(symbol, ChannelKind.DEPTH, step=int(match["step"]))
    if match["trade"]:
        return Channel(symbol, ChannelKind.TRADE)
    interval = match["kline"]
    if interval not in KLINE_INTERVALS:
        return None
    return Channel(symbol, ChannelKind.KLINE, interval=interval)
