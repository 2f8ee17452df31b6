"""The stream's events made of the protocol's pushes.

Apart from `cdx.client.market_events` so that the UI, which depends on the events, does not
import the protocol's decoding with them: the dashboard's first frame needs neither.
"""

from __future__ import annotations

from cdx.client.market_events import (
    DepthEvent,
    KlineEvent,
    StreamEvent,
    TickerEvent,
    TradesEvent,
)
from cdx.protocol import messages


def event_of_push(push: messages.Push, lag: float = 0.0) -> StreamEvent:
    """The consumer's event of a push (the stream's events predate the protocol's values and
    the UI depends on them), with how old its data was on arrival."""
    match push:
        case messages.TickerPush(ticker=ticker):
            return TickerEvent(ticker, lag)
        case messages.DepthPush(symbol=symbol, step=step, book=book):
            return DepthEvent(symbol, step, book, lag)
        case messages.TradePush(symbol=symbol, trades=trades):
            return TradesEvent(symbol, trades, lag)
        case messages.KlinePush(symbol=symbol, interval=interval, kline=kline):
            return KlineEvent(symbol, interval, kline, lag)
    raise TypeError(f"not a push: {type(push).__name__}")
