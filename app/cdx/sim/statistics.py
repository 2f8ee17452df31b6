"""Market statistics of one symbol: the public tape, the bars of every period and 24 h figures.

Fed only by trades (`record`), so everything here can be rebuilt from the tape, and nothing
here knows about accounts or the book.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from cdx.model.market import Kline, Trade
from cdx.protocol.endpoints import KLINE_PERIODS_MIN
from cdx.sim.orders import ZERO

DAY_MS = 86_400_000
KLINE_PERIODS: tuple[int, ...] = KLINE_PERIODS_MIN
"""Kline periods in minutes that `klines` serves (PROTOCOL.md section 5): 1 minute to a week
(10080) and a month of 30 days (43200). A bar opens at a multiple of its width since the Unix
epoch, so a week bar opens on a Thursday 00:00 UTC and a month bar every 30 days."""

TRADES_KEPT = 1000
"""Public trades remembered per symbol; `trades` serves at most 100 of them."""

_BARS_KEPT = {1: 1500}  # one day of 1-minute bars for the 24 h ticker, plus margin
_BARS_KEPT_DEFAULT = 320


@dataclass(slots=True)
class Bar:
    open_time: int  # seconds
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vol: Decimal = ZERO
    amount: Decimal = ZERO

    def kline(self) -> Kline:
        return Kline(
            self.open_time, self.open, self.high, self.low, self.close, self.vol, self.amount
        )


@dataclass(frozen=True, slots=True)
class DayStats:
    """Rolling 24 h figures of the ticker (PROTOCOL.md section 5)."""

    open: Decimal
    high: Decimal
    low: Decimal
    vol: Decimal
    amount: Decimal


class MarketStatistics:
    """The tape and bars of one symbol; `trade_seq` counts every trade ever recorded."""

    def __init__(self) -> None:
        self.trades: deque[Trade] = deque(maxlen=TRADES_KEPT)
        self.trade_seq = 0
        self.last: Decimal | None = None
        self.bars: dict[int, dict[int, Bar]] = {period: {} for period in KLINE_PERIODS}
        self._day_cache: tuple[tuple[int, int], DayStats | None] | None = None

    def record(self, trade: Trade) -> None:
        self.trades.append(trade)
        self.trade_seq += 1
        price, amount = trade.price, trade.amount
        self.last = price
        value = price * amount
        seconds = trade.ts // 1000
        for period, bars in self.bars.items():
            open_time = seconds - seconds % (period * 60)
            bar = bars.get(open_time)
            if bar is None:
                bar = bars[open_time] = Bar(open_time, price, price, price, price)
                kept = _BARS_KEPT.get(period, _BARS_KEPT_DEFAULT)
                if len(bars) > kept:
                    del bars[min(bars)]
            # Updated in place, no call: this runs for every period of every trade, and the demo
            # exchange records a day of trades (some 115,000 bar updates) before it serves.
            if price > bar.high:
                bar.high = price
            elif price < bar.low:
                bar.low = price
            bar.close = price
            bar.vol += amount
            bar.amount += value

    def recent(self, limit: int) -> list[Trade]:
        """The last `limit` trades, newest first."""
        trades = self.trades
        return [trades[-1 - i] for i in range(min(limit, len(trades)))]

    def after(self, after_seq: int) -> tuple[int, list[Trade]]:
        """Trades since sequence number `after_seq`, oldest first, and the current number."""
        new = self.trade_seq - max(after_seq, 0)
        if new <= 0:
            return self.trade_seq, []
        kept = list(self.trades)
        return self.trade_seq, kept[-min(new, len(kept)) :]

    def day(self, now_ms: int) -> DayStats | None:
        """24 h figures from the 1-minute bars up to `now_ms`; None without a trade in them.

        Cached per trade count and minute, since tickers are asked for far more often.
        """
        key = (self.trade_seq, now_ms // 60_000)
        if self._day_cache is not None and self._day_cache[0] == key:
            return self._day_cache[1]
        since = (now_ms - DAY_MS) // 1000
        bars = sorted(
            (bar for t, bar in self.bars[1].items() if t + 60 > since and t * 1000 <= now_ms),
            key=lambda bar: bar.open_time,
        )
        stats = None
        if bars:
            stats = DayStats(
                open=bars[0].open,
                high=max(bar.high for bar in bars),
                low=min(bar.low for bar in bars),
                vol=sum((bar.vol for bar in bars), ZERO),
                amount=sum((bar.amount for bar in bars), ZERO),
            )
        self._day_cache = (key, stats)
        return stats

    def klines(self, period_min: int, now_ms: int, limit: int) -> list[Kline]:
        """Up to `limit` bars ending with the current one, oldest first; gaps are flat bars
        at the previous close (none before the first trade)."""
        bars = self.bars[period_min]
        if not bars or limit <= 0:
            return []
        width = period_min * 60
        seconds = now_ms // 1000
        current = seconds - seconds % width
        first = current - (limit - 1) * width
        before = [t for t in bars if t < first]
        prev: Decimal | None = bars[max(before)].close if before else None
        result: list[Kline] = []
        for open_time in range(first, current + 1, width):
            bar = bars.get(open_time)
            if bar is not None:
                result.append(bar.kline())
                prev = bar.close
            elif prev is not None:
                result.append(Kline(open_time, prev, prev, prev, prev, ZERO, ZERO))
        return result
