"""The dashboard's loading workers: the symbol list at start, the market stream, history.

`MarketLoader` is mixed into `DashboardApp` like `OrderDesk` (workers are methods of a Textual
node). It loads the symbol list (retrying while the exchange cannot answer), then runs the
market stream, whose events reach the app as `StreamEventReceived`, and fills the sparkline,
the tape and the watchlist from REST so they are not empty until the first pushes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from cdx.client.errors import CdxError
from cdx.client.market_events import ConnectionState, StreamEvent, TickerEvent
from cdx.ui.messages import StreamEventReceived

if TYPE_CHECKING:
    from cdx.client.rest import RestClient
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

log = logging.getLogger(__name__)

WATCHLIST_SIZE = 8

CONNECTING = "connecting…"
"""Each panel's subtitle from the first frame until the exchange has answered."""


class MarketLoader(_Base):
    """Startup and market-data workers of the dashboard (a mixin of `DashboardApp`)."""

    _load_failures: int
    """Symbol-list loads failed in a row: the retry waits longer after each."""

    _rest: RestClient | None
    _make_rest: Callable[[], RestClient] | None

    @property
    def rest(self) -> RestClient:
        """The REST client, made now if the app was given a function that makes it."""
        if self._rest is None:
            assert self._make_rest is not None
            self._rest = self._make_rest()
        return self._rest

    def on_ready(self) -> None:
        """Textual's `Ready`: the first frame is on the screen. Loading starts once what that
        frame set off (widgets fitting their sizes) is drawn too: its first request makes the
        HTTP client (the library's import, then its TLS set-up), which would hold those frames
        back, and the exchange is seldom ready sooner anyway."""
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        """The first frames are on the screen: loading starts."""
        self.first_frame.set()
        self._start()

    @work(group="load", exclusive=True, exit_on_error=False)
    async def _start(self) -> None:
        """Load the symbol list, then open the stream and start polling."""
        # The stream's module (the WebSocket library) is loaded now, while the exchange may
        # still be starting, rather than once it has answered, when the stream needs it.
        import cdx.client.stream  # noqa: F401

        try:
            symbols = await self.rest.symbols()
        except CdxError as exc:
            if not self._load_failures:
                self._report_error("Cannot load symbols", exc)
            self._load_failures += 1
            self.status_bar.set_connection(ConnectionState.RECONNECTING, str(exc))
            self.set_timer(min(2.0 * self._load_failures, 10.0), self._start)
            return
        self.symbols = {s.name: s for s in symbols}
        for panel in self._market_panels:
            if panel.border_subtitle == CONNECTING:
                panel.border_subtitle = ""
        if self.symbol_name not in self.symbols and symbols:
            self.notify(f"Unknown symbol {self.symbol_name}; showing {symbols[0].name}")
            self.symbol_name = symbols[0].name
        watch = [s.name for s in symbols][:WATCHLIST_SIZE]
        if self.symbol_name not in watch:
            watch[-1:] = [self.symbol_name]
        self.watchlist.set_symbols([self.symbols[name] for name in watch])
        self._watchlist = watch
        self._apply_symbol()
        self._run_stream()
        self._load_history(self.symbol_name)
        self._load_tickers()
        if not self.read_only:
            self._poll()

    @work(group="stream", exclusive=True, exit_on_error=False)
    async def _run_stream(self) -> None:
        """The market stream: its events become `StreamEventReceived` messages."""
        # Imported here, after the first frame: the WebSocket library (and the HTTP one the
        # stream's checks use) would otherwise delay it (`python -X importtime`).
        from cdx.client.stream import MarketStream

        stream = MarketStream(self.ws_url, self._on_stream_event)
        stream.symbols = self.symbols  # pushes are checked against their symbol's precisions
        self.stream = stream
        self.subscriptions.restart()
        self._resubscribe()
        try:
            await stream.run()
        finally:
            stream.stop()

    def _on_stream_event(self, event: StreamEvent) -> None:
        self.post_message(StreamEventReceived(event))

    @work(group="history", exclusive=True, exit_on_error=False)
    async def _load_history(self, symbol: str) -> None:
        """Recent klines (sparkline) and trades (tape) for a symbol just opened."""
        try:
            bars = await self.rest.klines(symbol, period_min=1)
            trades = await self.rest.trades(symbol)
        except CdxError as exc:
            self._report_error("Cannot load history", exc)
            return
        if symbol != self.symbol_name:
            return
        self.market.set_klines(symbol, list(bars))
        self.market.add_trades(symbol, trades)

    @work(group="tickers", exclusive=True, exit_on_error=False)
    async def _load_tickers(self) -> None:
        """Every watchlist ticker from one `GET /v1/ticker`, so the watchlist is full before
        each symbol's first push; a push that came first is newer and is kept."""
        try:
            tickers = await self.rest.tickers(self.symbols)
        except CdxError as exc:
            log.warning("cannot load the tickers: %s", exc)  # the pushes will fill them in
            return
        for ticker in tickers:
            if self.market.ticker(ticker.symbol) is None:
                self.market.apply(TickerEvent(ticker))
