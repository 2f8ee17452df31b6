"""Textual messages that carry I/O results from workers to the UI thread.

Workers own every socket and request (DESIGN.md); they never touch widgets. Instead they post
one of these messages to the app, whose handlers fold the data into `MarketState` or the order
tracker and mark what needs repainting. The messages hold immutable values only.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from cdx.client.market_events import StreamEvent
from cdx.model.account import Account
from cdx.model.order import Order


class StreamEventReceived(Message):
    """One market-data event (ticker, depth, trades, kline or connection status) from the stream."""

    def __init__(self, event: StreamEvent) -> None:
        self.event = event
        super().__init__()


class AccountPolled(Message):
    """A fresh `account` answer: balances available and locked."""

    def __init__(self, account: Account) -> None:
        self.account = account
        super().__init__()


class OpenOrdersPolled(Message):
    """A fresh `openOrders` answer for `symbol`.

    `token` is the tracker's generation taken before the request was sent, so orders placed
    while it was in flight are not mistaken for orders that left the book. `complete` is False
    when the orders are not all the symbol's open orders (the exchange listed more than one
    page), so a missing order proves nothing.
    """

    def __init__(
        self, symbol: str, orders: Sequence[Order], token: int, *, complete: bool = True
    ) -> None:
        self.symbol = symbol
        self.orders = tuple(orders)
        self.token = token
        self.complete = complete
        super().__init__()


class PollFailed(Message):
    """A background poll failed; shown in the status bar, never as a traceback.

    `key_refused`: the exchange refused the API key itself (not the clock), so polling stops.
    """

    def __init__(self, what: str, reason: str, *, key_refused: bool = False) -> None:
        self.what = what
        self.reason = reason
        self.key_refused = key_refused
        super().__init__()


class OrdersChanged(Message):
    """The order tracker changed (placed, rejected, unknown, reconciled, cancelled)."""
