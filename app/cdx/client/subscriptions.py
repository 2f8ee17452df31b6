"""Which market channels the dashboard wants, and what to (un)subscribe when that changes.

The dashboard shows one symbol at one depth step, plus a watchlist of tickers. Which channels
follow from that is bookkeeping that knows nothing of Textual or sockets: `Subscriptions` keeps
the set of channels currently subscribed and, given what is wanted now, answers with the
`Change` to send. A ticker stays subscribed while the watchlist shows it, whichever symbol is
current, because the wanted set is computed as a whole and compared as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cdx.protocol import channels

KLINE_INTERVAL = "1min"
"""Bars of the current symbol's sparkline."""


def symbol_channels(symbol: str, step: int) -> tuple[str, ...]:
    """The channels of the symbol on screen: its book at `step`, its trades and its bars."""
    return (
        channels.depth(symbol, step),
        channels.trade(symbol),
        channels.kline(symbol, KLINE_INTERVAL),
    )


def wanted_channels(symbol: str, step: int, watchlist: Iterable[str] = ()) -> tuple[str, ...]:
    """Every channel for `symbol` at `step` and the tickers of `watchlist` and `symbol`, in
    the order they should be subscribed (the symbol on screen first), without repeats."""
    wanted = [*symbol_channels(symbol, step)]
    for name in (*watchlist, symbol):
        channel = channels.ticker(name)
        if channel not in wanted:
            wanted.append(channel)
    return tuple(wanted)


@dataclass(frozen=True, slots=True)
class Change:
    """What to send to move from the channels subscribed to the channels wanted."""

    subscribe: tuple[str, ...] = ()
    unsubscribe: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.subscribe or self.unsubscribe)


class Subscriptions:
    """The channels subscribed on one stream, moved to what is wanted by `want`.

    A new stream (a first connection, or a restart after a failure) starts from nothing:
    `restart` forgets what the old one had, so the next `want` subscribes everything.
    """

    def __init__(self) -> None:
        self._subscribed: tuple[str, ...] = ()

    @property
    def subscribed(self) -> tuple[str, ...]:
        """The channels subscribed, in the order they were asked for."""
        return self._subscribed

    def restart(self) -> None:
        """The stream is new: nothing is subscribed on it yet."""
        self._subscribed = ()

    def want(self, symbol: str, step: int, watchlist: Sequence[str] = ()) -> Change:
        """Record `symbol` at `step` with `watchlist` as wanted; the change to send for it."""
        wanted = wanted_channels(symbol, step, watchlist)
        keep = set(wanted)
        had = set(self._subscribed)
        change = Change(
            subscribe=tuple(c for c in wanted if c not in had),
            unsubscribe=tuple(c for c in self._subscribed if c not in keep),
        )
        self._subscribed = wanted
        return change
