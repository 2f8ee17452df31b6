"""What the market stream tells its consumer: pushes as model values and changes of its state.

Kept apart from `cdx.client.stream` (which re-exports them) because the UI depends on these
values and not on how the stream keeps its connection; `cdx.client.push_events` makes them of
the protocol's pushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade


class ConnectionState(StrEnum):
    """Where the stream's one connection is; the UI shows it and marks data stale."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class TickerEvent:
    """A ticker push (`ticker.time` is its `ts`); `lag` as on `DepthEvent`."""

    ticker: Ticker
    lag: float = 0.0


@dataclass(frozen=True, slots=True)
class DepthEvent:
    """A full snapshot of one depth channel (not a diff): replace what was shown.

    `book.time` is the push's `ts`. `lag` is how old the data already was when it arrived,
    in seconds: its `ts` against the stream's estimate of the server's clock (see
    `MarketStream`); 0 when that is not known. A link that delivers a backlog shows here.
    """

    symbol: str
    step: int
    book: Book
    lag: float = 0.0


@dataclass(frozen=True, slots=True)
class TradesEvent:
    """Every trade since the previous push of the channel, in the server's order."""

    symbol: str
    trades: tuple[Trade, ...]
    lag: float = 0.0


@dataclass(frozen=True, slots=True)
class KlineEvent:
    symbol: str
    interval: str
    kline: Kline
    lag: float = 0.0


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """The connection changed state (`detail` says why)."""

    state: ConnectionState
    detail: str


@dataclass(frozen=True, slots=True)
class HeartbeatEvent:
    """A message without market data (a ping, a pong, an acknowledgement) arrived.

    The link is alive, so the data last pushed is still current: the server would have pushed
    a change. A consumer that shows staleness counts these as it counts pushes. `lag` is how
    old that proof already was on arrival: from the server's ping time, or the round trip
    of our own ping (everything the server sent before its answer has arrived).
    """

    lag: float = 0.0


@dataclass(frozen=True, slots=True)
class SubscriptionEvent:
    """The server refused `channel` (`refused` is its printable reason; the stream retries),
    or a channel it had refused is accepted again or was unsubscribed (`refused` is None)."""

    channel: str
    refused: str | None


StreamEvent = (
    TickerEvent
    | DepthEvent
    | TradesEvent
    | KlineEvent
    | StatusEvent
    | HeartbeatEvent
    | SubscriptionEvent
)
