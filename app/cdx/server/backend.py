"""What the front asks of the exchange behind it: the embedded engine today, a relay later.

The front owns the wire; a backend owns data and actions. Anything that offers these methods
(with the engine's semantics: time as a `now_ms` argument, newest-first lists, refusals raised
as `cdx.protocol.refusal.Refusal` with a protocol code) can be served by `create_app`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cdx.model.account import Account, Fill
from cdx.model.book import Book
from cdx.model.market import Kline, Ticker, Trade
from cdx.model.order import Order, OrderType, Side
from cdx.model.symbol import Symbol


class Backend(Protocol):
    """The engine's public surface the REST and WebSocket fronts call; `Engine` satisfies it."""

    @property
    def symbols(self) -> Mapping[str, Symbol]: ...

    def account(self, api_key: str) -> Account: ...

    def place_order(
        self,
        api_key: str,
        symbol: str,
        side: Side,
        type: OrderType,
        volume: str,
        price: str | None,
        now_ms: int,
    ) -> Order: ...

    def cancel_order(self, api_key: str, symbol: str, order_id: str, now_ms: int) -> Order: ...

    def cancel_all(self, api_key: str, symbol: str, now_ms: int) -> list[Order]: ...

    def get_order(self, api_key: str, symbol: str, order_id: str) -> Order: ...

    def open_orders(self, api_key: str, symbol: str) -> list[Order]: ...

    def all_orders(
        self, api_key: str, symbol: str, start_ms: int | None, end_ms: int | None
    ) -> list[Order]: ...

    def fills(
        self,
        api_key: str,
        symbol: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Fill]: ...

    def book(self, symbol: str, step: int, now_ms: int) -> Book: ...

    def ticker(self, symbol: str, now_ms: int) -> Ticker: ...

    def trades(self, symbol: str, limit: int = 100) -> list[Trade]: ...

    def trades_after(self, symbol: str, after_seq: int) -> tuple[int, list[Trade]]: ...

    def klines(
        self, symbol: str, period_min: int, now_ms: int, limit: int = 300
    ) -> list[Kline]: ...

    def version(self, symbol: str) -> int: ...
