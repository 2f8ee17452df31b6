"""MarketState: events fold in at once, repaints are coalesced, data age follows the clock."""

from __future__ import annotations

from decimal import Decimal

from cdx.client.stream import ConnectionState, DepthEvent, StatusEvent, TickerEvent, TradesEvent
from cdx.model.book import Book
from cdx.model.market import Ticker, Trade
from cdx.model.order import Side
from cdx.ui.state import MarketState, Part


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def book(price: str) -> Book:
    return Book(asks=((Decimal(price) + 1, Decimal(1)),), bids=((Decimal(price), Decimal(2)),))


def trade(ident: int, ts: int) -> Trade:
    return Trade(str(ident), Decimal("10"), Decimal("1"), Side.BUY, ts)


def test_many_depth_pushes_make_one_repaint_of_the_latest_book() -> None:
    state = MarketState(FakeClock())
    for price in range(100, 150):
        state.apply(DepthEvent("btcusdt", 0, book(str(price))))
    dirty = state.take_dirty()
    assert dirty.parts == {("btcusdt", Part.BOOK)}
    assert state.book("btcusdt", 0) == book("149")
    assert not state.take_dirty()


def test_data_age_follows_the_injected_clock() -> None:
    clock = FakeClock()
    state = MarketState(clock)
    assert state.data_age("btcusdt") is None
    state.apply(DepthEvent("btcusdt", 0, book("100")))
    clock.now += 2.5
    assert state.data_age("btcusdt") == 2.5


def test_watchlist_tickers_are_collected_per_symbol() -> None:
    state = MarketState(FakeClock())
    for symbol in ("btcusdt", "ethusdt", "btcusdt"):
        one = Decimal(1)
        state.apply(TickerEvent(Ticker(symbol, 0, one, one, one, one, one, one, Decimal(0))))
    assert sorted(t.symbol for t in state.take_dirty().tickers) == ["btcusdt", "ethusdt"]


def test_trades_come_out_oldest_first_and_repeats_are_dropped() -> None:
    state = MarketState(FakeClock())
    state.add_trades("btcusdt", [trade(3, 30), trade(2, 20), trade(1, 10)])  # REST: newest first
    state.apply(TradesEvent("btcusdt", (trade(3, 30), trade(4, 40))))  # overlapping push
    assert [t.id for t in state.take_trades("btcusdt")] == ["1", "2", "3", "4"]
    assert state.take_trades("btcusdt") == []


def test_connection_changes_are_marked() -> None:
    state = MarketState(FakeClock())
    state.apply(StatusEvent(ConnectionState.RECONNECTING, "closed"))
    assert state.take_dirty().has("", Part.CONNECTION)
    assert state.connection is ConnectionState.RECONNECTING
