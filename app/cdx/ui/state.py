"""What the dashboard knows about the market, and which parts of the screen are stale.

Stream events arrive far more often than a terminal (or an SSH link) can usefully repaint. The
app folds every event into `MarketState` at once, and a timer asks `take_dirty()` a bounded
number of times a second; only the parts named there are repainted. Keeping this out of the
widgets makes the coalescing testable without a terminal.

It also decides whether what is shown can be trusted: data is as old as the newest proof on the
link that nothing changed since (a push, or a heartbeat proving the server would have pushed a
change), counted from when the server sent it, not from when it arrived: each event's `lag`
(the stream's reading of its `ts`) is how old it already was on arrival. A feed the server
refused is named until it is accepted again.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from cdx.client.market_events import (
    ConnectionState,
    DepthEvent,
    HeartbeatEvent,
    KlineEvent,
    StatusEvent,
    StreamEvent,
    SubscriptionEvent,
    TickerEvent,
    TradesEvent,
)
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.protocol import channels
from cdx.protocol.channels import ChannelKind

log = logging.getLogger(__name__)

SPARKLINE_BARS = 60
"""How many recent kline closes the ticker's sparkline keeps."""

FEED_NAMES: dict[ChannelKind, str] = {
    ChannelKind.TICKER: "ticker",
    ChannelKind.DEPTH: "ladder",
    ChannelKind.TRADE: "trades",
    ChannelKind.KLINE: "chart",
}
"""What a user calls the part of the screen a channel feeds."""

TRADE_STALE_AFTER_S = 2.0
"""Data older than this is not traded from: the ladder and ticker dim and say STALE, the form
refuses to send. Twice the status bar's warning (1 s): a healthy quiet link proves itself every
half second, so only a real stall or a late feed gets here, and a trader who sees `stale 1s`
in the status bar has a second's notice before the keys stop."""

_FED_KINDS = (ChannelKind.DEPTH, ChannelKind.TICKER)
"""The feeds whose refusal makes a symbol's data untradeable (its book and its ticker)."""


@dataclass(frozen=True, slots=True)
class Staleness:
    """Why the data of a symbol is not fit to trade from.

    `age` is its data age in seconds (None before any data); `why` names a link problem
    ("disconnected", "reconnecting", "ladder feed refused"), empty when the age alone is
    the reason.
    """

    age: float | None
    why: str = ""


class Part(StrEnum):
    """A part of the screen that can be repainted on its own."""

    TICKER = "ticker"
    BOOK = "book"
    TRADES = "trades"
    KLINES = "klines"
    CONNECTION = "connection"


@dataclass(slots=True)
class SymbolMarket:
    """Everything received for one symbol; `updated_at` is the UI clock at the last event."""

    ticker: Ticker | None = None
    books: dict[int, Book] = field(default_factory=dict)
    closes: deque[tuple[int, Decimal]] = field(default_factory=lambda: deque(maxlen=SPARKLINE_BARS))
    new_trades: list[Trade] = field(default_factory=list)
    last_trade: tuple[int, int] = (-1, -1)
    updated_at: float | None = None


@dataclass(frozen=True, slots=True)
class Dirty:
    """What changed since the last flush: parts per symbol, and tickers for the watchlist."""

    parts: frozenset[tuple[str, Part]]
    tickers: tuple[Ticker, ...]

    def has(self, symbol: str, part: Part) -> bool:
        return (symbol, part) in self.parts

    def __bool__(self) -> bool:
        return bool(self.parts or self.tickers)


class MarketState:
    """Per-symbol ticker, book per depth step, recent closes and trades, plus the connection.

    `clock` is the UI's monotonic clock in seconds (injected so data age is testable).
    `heard_at` is that clock at the last message of any kind; `current_at` the UI-clock time
    the newest data was current as of (arrival less its `lag`: never after `heard_at`);
    `refused` maps each channel the server refused (and the stream keeps retrying) to the
    server's reason.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._markets: dict[str, SymbolMarket] = {}
        self._dirty: set[tuple[str, Part]] = set()
        self._dirty_tickers: dict[str, Ticker] = {}
        self.connection: ConnectionState = ConnectionState.CONNECTING
        self.connection_detail = ""
        self.heard_at: float | None = None
        self.current_at: float | None = None
        self.refused: dict[str, str] = {}
        self._was_connected = False
        self._fresh_books: set[str] = set()  # symbols with a book pushed on this connection

    def market(self, symbol: str) -> SymbolMarket:
        """The data held for `symbol` (created empty on first use)."""
        return self._markets.setdefault(symbol, SymbolMarket())

    def ticker(self, symbol: str) -> Ticker | None:
        return self.market(symbol).ticker

    def book(self, symbol: str, step: int) -> Book | None:
        return self.market(symbol).books.get(step)

    def closes(self, symbol: str) -> list[Decimal]:
        return [close for _, close in self.market(symbol).closes]

    def data_age(self, symbol: str) -> float | None:
        """How old what is shown for `symbol` may be, in seconds; None before its first push.

        Measured from the last message of any kind, not the last push for `symbol`: a quiet
        market pushes nothing for seconds, and while the link carries heartbeats the server
        would have pushed a change, so the data shown is current. Each message counts from
        when the server sent it (`lag`), so the age is at least the silence since the last
        message (issue 10's rule) and at least the age of the newest data's `ts`: a ladder
        that reached us 30 s late behind a slow link is 30 s old, not new.
        """
        market = self._markets.get(symbol)
        if market is None or market.updated_at is None:
            return None
        current = market.updated_at if self.current_at is None else self.current_at
        return max(self._clock() - current, 0.0)

    def staleness(self, symbol: str) -> Staleness | None:
        """None while `symbol`'s data is fit to trade from, else why not (see the module).

        Before the first connection there is no data to mistake for live, so nothing is
        stale; after it, a link that is down stales everything whatever its age says, and a
        book shown from an earlier connection stays stale until this one pushes a new one
        (heartbeats of a new connection prove the link, not the old book).
        """
        age = self.data_age(symbol)
        why = ""
        if self._was_connected and self.connection is not ConnectionState.CONNECTED:
            why = "disconnected" if self.connection is ConnectionState.STOPPED else "reconnecting"
        elif symbol not in self._fresh_books and self._has_book(symbol):
            why = "waiting for the book"  # still the last connection's book
        elif refused := self._refused_feed(symbol):
            why = f"{refused} feed refused"
        if why or (age is not None and age > TRADE_STALE_AFTER_S):
            return Staleness(age, why)
        return None

    def _has_book(self, symbol: str) -> bool:
        market = self._markets.get(symbol)
        return market is not None and bool(market.books)

    def _refused_feed(self, symbol: str) -> str:
        """The name of `symbol`'s book or ticker feed if the server refuses it, else ""."""
        for name in self.refused:
            parsed = channels.parse(name)
            if parsed is not None and parsed.symbol == symbol and parsed.kind in _FED_KINDS:
                return FEED_NAMES[parsed.kind]
        return ""

    def feed_problem(self, symbol: str) -> str:
        """One line naming a refused feed, `symbol`'s first; empty when none is refused."""
        if not self.refused:
            return ""
        mine = [name for name in self.refused if _symbol_of(name) == symbol]
        first = (mine or list(self.refused))[0]
        parsed = channels.parse(first)
        feed = FEED_NAMES.get(parsed.kind, "market") if parsed is not None else "market"
        if parsed is not None and parsed.symbol != symbol:
            feed = f"{parsed.symbol.upper()} {feed}"
        text = f"{feed} feed refused: {self.refused[first]}; retrying"
        more = len(self.refused) - 1
        return text + (f" (+{more} more)" if more else "")

    def apply(self, event: StreamEvent) -> None:
        """Fold one stream event in and mark what it changed."""
        match event:
            case TickerEvent(ticker=ticker, lag=lag):
                market = self._touch(ticker.symbol, lag)
                market.ticker = ticker
                self._mark(ticker.symbol, Part.TICKER)
                self._dirty_tickers[ticker.symbol] = ticker
            case DepthEvent(symbol=symbol, step=step, book=book, lag=lag):
                self._touch(symbol, lag).books[step] = book
                self._fresh_books.add(symbol)
                self._mark(symbol, Part.BOOK)
            case TradesEvent(symbol=symbol, trades=trades, lag=lag):
                self._touch(symbol, lag)
                self.add_trades(symbol, trades)
            case KlineEvent(symbol=symbol, kline=kline, lag=lag):
                self.add_kline(symbol, kline, lag)
            case StatusEvent(state=state, detail=detail):
                self.connection = state
                self.connection_detail = detail
                if state is ConnectionState.CONNECTING:
                    self.refused.clear()  # a new stream: it will report its own refusals
                if state is ConnectionState.CONNECTED:
                    self._was_connected = True
                else:
                    self._fresh_books.clear()  # the next connection must bring new books
                self._dirty.add(("", Part.CONNECTION))
            case HeartbeatEvent(lag=lag):
                self.heard_at = self._clock()
                self._current(lag)
            case SubscriptionEvent(channel=channel, refused=refused):
                if refused is None:
                    self.refused.pop(channel, None)
                else:
                    self.refused[channel] = refused
                self._dirty.add(("", Part.CONNECTION))
            case _:
                log.warning("ignoring unexpected stream event %r", type(event).__name__)

    def set_klines(self, symbol: str, bars: list[Kline]) -> None:
        """Replace the recent closes (from the REST klines answer, oldest first)."""
        market = self.market(symbol)
        market.closes.clear()
        for bar in bars:
            market.closes.append((bar.open_time, bar.close))
        self._mark(symbol, Part.KLINES)

    def add_kline(self, symbol: str, kline: Kline, lag: float = 0.0) -> None:
        """A kline push updates the current bar or starts the next one."""
        closes = self._touch(symbol, lag).closes
        if closes and closes[-1][0] == kline.open_time:
            closes[-1] = (kline.open_time, kline.close)
        elif not closes or closes[-1][0] < kline.open_time:
            closes.append((kline.open_time, kline.close))
        self._mark(symbol, Part.KLINES)

    def add_trades(self, symbol: str, trades: Sequence[Trade]) -> None:
        """Queue trades for the tape, oldest first, skipping any already seen.

        The REST history and the first stream push overlap; trade ids only grow, so a trade
        at or before the newest one seen is a repeat.
        """
        market = self.market(symbol)
        fresh = [
            t for t in sorted(trades, key=_trade_order) if _trade_order(t)[:2] > market.last_trade
        ]
        if fresh:
            market.new_trades.extend(fresh)
            market.last_trade = _trade_order(fresh[-1])[:2]
            self._mark(symbol, Part.TRADES)

    def take_trades(self, symbol: str) -> list[Trade]:
        """Trades received since the last call, oldest first."""
        market = self.market(symbol)
        trades, market.new_trades = market.new_trades, []
        return trades

    def forget(self, symbol: str, step: int | None = None) -> None:
        """Drop a symbol's book (one step or all) when we stop listening to it."""
        market = self.market(symbol)
        books = market.books
        if step is None:
            books.clear()
            market.new_trades.clear()
            market.last_trade = (-1, -1)
        else:
            books.pop(step, None)

    def take_dirty(self) -> Dirty:
        """What changed since the last call; calling it clears the marks."""
        dirty = Dirty(frozenset(self._dirty), tuple(self._dirty_tickers.values()))
        self._dirty.clear()
        self._dirty_tickers.clear()
        return dirty

    def _touch(self, symbol: str, lag: float = 0.0) -> SymbolMarket:
        market = self.market(symbol)
        market.updated_at = self.heard_at = self._clock()
        self._current(lag)
        return market

    def _current(self, lag: float) -> None:
        """A message proved the data current as of `lag` seconds before now (the newest proof
        wins: a late heartbeat does not make data that a prompt one proved current older)."""
        at = self._clock() - max(lag, 0.0)
        if self.current_at is None or at > self.current_at:
            self.current_at = at

    def _mark(self, symbol: str, part: Part) -> None:
        self._dirty.add((symbol, part))


def _symbol_of(name: str) -> str | None:
    parsed = channels.parse(name)
    return None if parsed is None else parsed.symbol


def _trade_order(trade: Trade) -> tuple[int, int, str]:
    """Oldest first: by time, then by numeric id (ids are digit strings)."""
    return (trade.ts, int(trade.id) if trade.id.isdigit() else 0, trade.id)
