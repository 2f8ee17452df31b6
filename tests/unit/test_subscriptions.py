"""Channel bookkeeping: what to (un)subscribe when symbol, step or watchlist change."""

from __future__ import annotations

from cdx.client.subscriptions import Change, Subscriptions, wanted_channels
from cdx.protocol import channels

WATCH = ["btcusdt", "ethusdt"]


def test_a_new_stream_subscribes_the_symbol_then_the_watchlist_tickers() -> None:
    subs = Subscriptions()
    change = subs.want("btcusdt", 0, WATCH)
    assert change.subscribe == (
        channels.depth("btcusdt", 0),
        channels.trade("btcusdt"),
        channels.kline("btcusdt", "1min"),
        channels.ticker("btcusdt"),
        channels.ticker("ethusdt"),
    )
    assert change.unsubscribe == ()
    assert subs.subscribed == change.subscribe


def test_the_same_wish_twice_changes_nothing() -> None:
    subs = Subscriptions()
    subs.want("btcusdt", 0, WATCH)
    assert not subs.want("btcusdt", 0, WATCH)


def test_a_step_change_moves_only_the_depth_channel() -> None:
    subs = Subscriptions()
    subs.want("btcusdt", 0, WATCH)
    assert subs.want("btcusdt", 2, WATCH) == Change(
        subscribe=(channels.depth("btcusdt", 2),), unsubscribe=(channels.depth("btcusdt", 0),)
    )


def test_a_symbol_switch_keeps_the_old_symbols_ticker_while_the_watchlist_shows_it() -> None:
    subs = Subscriptions()
    subs.want("btcusdt", 1, WATCH)
    change = subs.want("ethusdt", 1, WATCH)
    assert channels.ticker("btcusdt") not in change.unsubscribe
    assert set(change.unsubscribe) == {
        channels.depth("btcusdt", 1),
        channels.trade("btcusdt"),
        channels.kline("btcusdt", "1min"),
    }
    assert channels.depth("ethusdt", 1) in change.subscribe
    assert channels.ticker("ethusdt") not in change.subscribe  # already on for the watchlist


def test_a_symbol_outside_the_watchlist_has_its_ticker_only_while_shown() -> None:
    subs = Subscriptions()
    subs.want("xrpusdt", 0, WATCH)
    assert channels.ticker("xrpusdt") in subs.subscribed
    change = subs.want("btcusdt", 0, WATCH)
    assert channels.ticker("xrpusdt") in change.unsubscribe


def test_restart_subscribes_everything_again_on_the_new_stream() -> None:
    subs = Subscriptions()
    first = subs.want("btcusdt", 0, WATCH)
    subs.restart()
    assert subs.want("btcusdt", 0, WATCH).subscribe == first.subscribe


def test_wanted_channels_has_no_repeats() -> None:
    wanted = wanted_channels("btcusdt", 0, ["btcusdt", "btcusdt"])
    assert len(wanted) == len(set(wanted)) == 4
