"""The dashboard: one screen of market data, balances, orders and the order form.

`DashboardApp` composes the widgets and routes messages between them and the workers; it
formats no numbers and signs no requests. Every socket and request lives in a worker (the
market stream, the account poller, one worker per order action), so a slow link never freezes
the keyboard. Stream events are folded into `MarketState` as they come and painted by a timer at
most `REPAINT_HZ` times a second, only the parts that changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from cdx.client.errors import (
    ApiError,
    AuthError,
    CdxError,
    OrderStateUnknown,
    TransportError,
)
from cdx.client.placement import (
    NotPlaced,
    OrderRequest,
    Outcome,
    Placed,
    Unknown,
    send_order,
    settle,
)
from cdx.client.ratelimit import Priority
from cdx.client.rest import RestClient
from cdx.client.stream import ConnectionState, MarketStream, StreamEvent
from cdx.client.tracker import OrderTracker, TrackedOrder, TrackedState
from cdx.model.account import Account
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.protocol import channels
from cdx.protocol.errors import ErrorCode
from cdx.ui import STYLES_DIR
from cdx.ui.commands import DashboardCommands
from cdx.ui.format import fmt_text
from cdx.ui.messages import (
    AccountPolled,
    OpenOrdersPolled,
    OrdersChanged,
    PollFailed,
    StreamEventReceived,
)
from cdx.ui.screens.confirm import ConfirmScreen
from cdx.ui.screens.help import HelpScreen
from cdx.ui.screens.symbol_picker import SymbolPicker
from cdx.ui.state import MarketState, Part
from cdx.ui.widgets.balances import BalancesPanel
from cdx.ui.widgets.contained import DISPLAY_ERROR, FailureLog, contained
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.open_orders import OpenOrders
from cdx.ui.widgets.order_form import OrderDraft, OrderForm
from cdx.ui.widgets.status_bar import StatusBar
from cdx.ui.widgets.ticker_bar import TickerBar
from cdx.ui.widgets.trades_tape import TradesTape
from cdx.ui.widgets.watchlist import Watchlist

log = logging.getLogger(__name__)

REPAINT_HZ = 10
"""Upper bound on repaints a second, whatever the stream's rate (slow SSH links)."""

KLINE_INTERVAL = "1min"
WATCHLIST_SIZE = 8


class DashboardApp(App[None]):
    """The cdx dashboard over any server of PROTOCOL.md.

    `rest` carries the credentials (read-only without them); `ws_url` is the market stream;
    `clock` is the monotonic clock used for data age (frozen in snapshot tests);
    `poll_interval` is the pause between account / open-orders polls, in seconds.
    """

    TITLE = "cdx"
    CSS_PATH: ClassVar = [STYLES_DIR / "widgets.tcss", STYLES_DIR / "app.tcss"]
    COMMANDS: ClassVar = App.COMMANDS | {DashboardCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (32, "-tall")]

    # Priority bindings run as the key is read, before later keys are routed, so a burst of
    # keys (a fast typist, a paste, tmux send-keys) lands where a slow typist's would.
    # `check_action` turns them off while a text field has focus or a dialog is open, so `b`
    # typed into a field is the letter b.
    # Help and Quit come first: the footer cuts what does not fit, and at 80 columns a user
    # must still see how to find every other key.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", priority=True),
        Binding("q", "quit", "Quit", priority=True),
        Binding("b", "limit('BUY')", "Buy", priority=True),
        Binding("s", "limit('SELL')", "Sell", priority=True),
        Binding("B", "market('BUY')", "Mkt buy", priority=True),
        Binding("S", "market('SELL')", "Mkt sell", priority=True),
        Binding("c", "cancel", "Cancel", priority=True),
        Binding("C", "cancel_all", "Cancel all", priority=True),
        Binding("left_square_bracket", "step(-1)", "Finer", key_display="[", priority=True),
        Binding("right_square_bracket", "step(1)", "Coarser", key_display="]", priority=True),
        Binding("slash", "pick_symbol", "Symbol", key_display="/", priority=True),
        Binding("ctrl+p", "command_palette", "Palette"),
    ]

    _KEY_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"limit", "market", "cancel", "cancel_all", "step", "pick_symbol", "help", "quit"}
    )

    # The widgets, found once on mount (handlers and workers use these, not queries).
    ladder: Ladder
    form: OrderForm
    orders: OpenOrders
    balances: BalancesPanel
    ticker_bar: TickerBar
    tape: TradesTape
    watchlist: Watchlist
    status_bar: StatusBar

    def __init__(
        self,
        rest: RestClient,
        ws_url: str,
        symbol: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__()
        self.rest = rest
        self.ws_url = ws_url
        self.symbol_name = symbol.lower()
        self.clock = clock
        self.poll_interval = poll_interval
        self.market = MarketState(clock)
        self.tracker = OrderTracker()
        self.symbols: dict[str, Symbol] = {}
        self.account: Account | None = None
        self.step = 0
        self.stream: MarketStream | None = None
        self._subscribed: set[str] = set()
        self._orders_dirty = False
        self._account_dirty = False
        self._poke = asyncio.Event()
        self._last_poll_error = ""
        self._watchlist: list[str] = []
        self._load_failures = 0
        self._failures = FailureLog("dashboard")
        self.contained_failures = 0

    # Containment ------------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast, always as plain text: messages carry server words (a refusal, a coin name),
        and markup in them would be interpreted (`[@click=...]`) or fail to parse."""
        super().notify(
            fmt_text(str(message), 500),
            title=fmt_text(title, 80),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def contained_failure(self, where: str, exc: Exception) -> None:
        """A handler or the repaint timer failed: logged and reported, never the app's end.

        Textual exits on an exception in a message handler or a timer; the widgets contain
        their own failures, this is the net under what the app itself does with server data.
        """
        if self._failures.failed(where, exc):
            self.notify(f"{type(exc).__name__} in {where}", title=DISPLAY_ERROR, severity="error")

    def contained_success(self) -> None:
        """Nothing to undo: the app has no panel of its own."""

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TickerBar(id="ticker")
        with Horizontal(id="body"):
            yield Ladder(id="ladder")
            with Vertical(id="middle"):
                yield OrderForm(id="form")
                yield BalancesPanel(id="balances")
                yield OpenOrders(id="orders")
            with Vertical(id="side"):
                yield Watchlist(id="watchlist")
                yield TradesTape(id="tape")
        yield StatusBar(id="status")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def read_only(self) -> bool:
        return self.rest.read_only

    @property
    def symbol(self) -> Symbol | None:
        """The current symbol's rules, once `symbols` has answered."""
        return self.symbols.get(self.symbol_name)

    def on_mount(self) -> None:
        self.ladder = self.query_one(Ladder)
        self.form = self.query_one(OrderForm)
        self.orders = self.query_one(OpenOrders)
        self.balances = self.query_one(BalancesPanel)
        self.ticker_bar = self.query_one(TickerBar)
        self.tape = self.query_one(TradesTape)
        self.watchlist = self.query_one(Watchlist)
        self.status_bar = self.query_one(StatusBar)
        self.ladder.border_title = "Depth"
        self.balances.border_title = "Balances"
        self.watchlist.border_title = "Watchlist"
        self.tape.border_title = "Trades"
        status = self.status_bar
        status.set_mode(self.read_only)
        status.set_symbol(self.symbol_name)
        status.set_connection(ConnectionState.CONNECTING)
        self.ladder.focus()
        self.set_interval(1 / REPAINT_HZ, self._repaint)
        self._start()

    # Workers ----------------------------------------------------------------------------------

    @work(group="load", exclusive=True, exit_on_error=False)
    async def _start(self) -> None:
        """Load the symbol list, then open the stream and start polling."""
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
        if not self.read_only:
            self._poll()

    @work(group="stream", exclusive=True, exit_on_error=False)
    async def _run_stream(self) -> None:
        """The market stream: its events become `StreamEventReceived` messages."""
        stream = MarketStream(self.ws_url, self._on_stream_event)
        self.stream = stream
        stream.symbols = self.symbols  # pushes are checked against their symbol's precisions
        for channel in self._wanted_channels():
            stream.subscribe(channel)
            self._subscribed.add(channel)
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

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def _poll(self) -> None:
        """Account, open orders and reconciliation, at background priority, forever.

        Sleeps `poll_interval` between rounds unless an order action asks for news sooner;
        the shared limiter keeps it inside the account group's budget.
        """
        while True:
            symbol = self.symbol_name
            try:
                account = await self.rest.account(priority=Priority.BACKGROUND)
                self.post_message(AccountPolled(account))
                token = self.tracker.token()
                listed = await self.rest.every_open_order(symbol, priority=Priority.BACKGROUND)
                self.post_message(
                    OpenOrdersPolled(symbol, listed.items, token, complete=listed.complete)
                )
                if self.tracker.needs_reconcile and await self.tracker.reconcile(self.rest):
                    self.post_message(OrdersChanged())
            except AuthError as exc:
                self.post_message(PollFailed("account", str(exc)))
                if exc.code != ErrorCode.TIME_WINDOW:
                    # Wrong key, secret or IP: every further poll would be refused the same
                    # way, so stop asking until the user fixes the setup and restarts.
                    log.warning("account polling stopped: %s", exc)
                    return
            except CdxError as exc:
                self.post_message(PollFailed("account", str(exc)))
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), timeout=self.poll_interval)

    @work(group="orders", exit_on_error=False)
    async def _place(self, draft: OrderDraft) -> None:
        """Place one confirmed order; never resent when its answer is lost.

        The row shows at once as pending; then exactly one of: open with the exchange's id,
        gone with the reason in the form (not placed), or unknown, which `_settle` reconciles
        in the background to the real order or to "not placed".
        """
        request = OrderRequest(draft.symbol.name, draft.side, draft.type, draft.volume, draft.price)
        sent_ms = int(time.time() * 1000)
        key = self.tracker.begin(
            request.symbol, request.side, request.type, request.volume, request.price, sent_ms
        )
        self._orders_changed(select=key)
        try:
            outcome: Outcome = await send_order(self.rest, request)
        except Exception as exc:
            # A bug below us, not an answer: the request may have gone out, so the row must
            # not stay pending forever; unknown, to be proven absent (there is no baseline).
            log.exception("placing %s failed unexpectedly", request.describe())
            lost = OrderStateUnknown(
                request.symbol,
                request.side,
                request.type,
                request.volume,
                request.price,
                self.rest.now_ms(),
                f"{type(exc).__name__}: {exc}",
            )
            outcome = Unknown(str(lost), lost)
        self.tracker.settled(key, outcome)
        self._announce(draft, outcome)
        self._orders_changed(select=key)
        self._poke.set()
        if isinstance(outcome, Unknown):
            self._settle(key, draft, outcome)

    @work(group="settle", exit_on_error=False)
    async def _settle(self, key: str, draft: OrderDraft, outcome: Unknown) -> None:
        """Reconcile one unknown placement with the exchange's order list, in the background.

        `settle` waits until the request can no longer execute before it calls an absent order
        not placed. If the exchange still cannot tell, the row stays unknown with the reason and
        the poller keeps asking (`OrderTracker.reconcile`); it is never sent again.
        """
        acknowledged = {
            order.order_id
            for order in self.tracker.all()
            if order.order_id is not None and order.key != order.order_id
        }
        final = await settle(self.rest, outcome, exclude=acknowledged)
        current = self.tracker.get(key)
        if current is None or current.state is not TrackedState.UNKNOWN:
            return  # the poller's reconcile got there first
        self.tracker.settled(key, final)
        if not isinstance(final, Unknown):
            self._announce(draft, final)
        self._orders_changed(select=key)
        self._poke.set()

    def _announce(self, draft: OrderDraft, outcome: Outcome) -> None:
        """Tell the user how a placement ended, in the form and as a notification."""
        if isinstance(outcome, Placed):
            self.form.reset_amount()
            self.notify(f"{draft.describe()} — order {outcome.order_id}", title="Order placed")
        elif isinstance(outcome, NotPlaced):
            self.form.show_error(f"Not placed: {outcome.reason}")
            self.notify(outcome.reason, title="Order not placed", severity="error")
        else:
            self.notify(outcome.reason, title="Order state unknown", severity="warning", timeout=8)

    @work(group="orders", exit_on_error=False)
    async def _cancel(self, order: TrackedOrder) -> None:
        assert order.order_id is not None
        self.tracker.cancelling(order.order_id)
        self._orders_changed()
        try:
            await self.rest.cancel_order(order.symbol, order.order_id)
        except (ApiError, TransportError) as exc:
            self.tracker.cancel_failed(order.order_id, str(exc))
            self.notify(str(exc), title="Cancel failed", severity="error")
        else:
            self.tracker.cancelled(order.order_id)
            self.notify(f"Order {order.order_id} cancelled", title="Cancelled")
        self._orders_changed()
        self._poke.set()

    @work(group="orders", exit_on_error=False)
    async def _cancel_all(self, symbol: str) -> None:
        for order in self.tracker.live(symbol):
            if order.order_id is not None and order.state is TrackedState.OPEN:
                self.tracker.cancelling(order.order_id)
        self._orders_changed()
        try:
            await self.rest.cancel_all(symbol)
        except (ApiError, TransportError) as exc:
            self.notify(str(exc), title="Cancel all failed", severity="error")
        else:
            self.notify(f"All {symbol} orders cancelled", title="Cancelled")
        self._poke.set()

    # Messages from workers --------------------------------------------------------------------

    @contained
    def on_stream_event_received(self, message: StreamEventReceived) -> None:
        self.market.apply(message.event)

    @contained
    def on_account_polled(self, message: AccountPolled) -> None:
        self.account = message.account
        self._account_dirty = True
        if self._last_poll_error:
            self._last_poll_error = ""

    @contained
    def on_open_orders_polled(self, message: OpenOrdersPolled) -> None:
        self.tracker.sync_open(
            message.symbol, message.orders, message.token, complete=message.complete
        )
        self._orders_dirty = True

    @contained
    def on_orders_changed(self, message: OrdersChanged) -> None:
        self._orders_dirty = True

    @contained
    def on_poll_failed(self, message: PollFailed) -> None:
        if message.reason != self._last_poll_error:
            self._last_poll_error = message.reason
            self.notify(message.reason, title="Account update failed", severity="warning")
        if self.account is None:
            self.balances.show_problem(message.reason)

    @contained
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that died of an unexpected error is logged and reported, never a traceback
        on the screen; the poller and the stream are restarted."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        log.error("worker %s failed", event.worker.name, exc_info=error)
        self.notify(f"{type(error).__name__}: {error}", title="Internal error", severity="error")
        if event.worker.group == "poll" and not self.read_only:
            self.set_timer(self.poll_interval, self._poll)
        elif event.worker.group == "stream":
            self.set_timer(1.0, self._run_stream)

    # Messages from widgets --------------------------------------------------------------------

    def on_ladder_price_picked(self, message: Ladder.PricePicked) -> None:
        self._open_form(message.side, OrderType.LIMIT, message.price)

    def on_ladder_step_changed(self, message: Ladder.StepChanged) -> None:
        self._set_step(message.step)

    def on_order_form_submitted(self, message: OrderForm.Submitted) -> None:
        screen = self.screen
        if screen is self.screen_stack[0]:
            self._confirm_order(message.draft)
        elif isinstance(screen, ConfirmScreen) and screen.question == message.draft.describe():
            # A second Enter typed before the dialog appeared (keys arriving in one burst):
            # the user pressed Enter, Enter for this very order, as a slower typist would.
            screen.action_confirm()

    def _confirm_order(self, draft: OrderDraft) -> None:
        def placed(confirmed: bool | None) -> None:
            if confirmed:
                self._place(draft)
                self.screen.set_focus(self.orders)

        tone = "-buy" if draft.side is Side.BUY else "-sell"
        self.push_screen(ConfirmScreen(draft.describe(), title="Place order?", tone=tone), placed)

    def on_order_form_left(self, message: OrderForm.Left) -> None:
        self.ladder.focus()

    def on_open_orders_cancel_requested(self, message: OpenOrders.CancelRequested) -> None:
        order = message.order
        if order.order_id is None:
            self.notify("The exchange has not acknowledged this order yet", severity="warning")
            return
        if order.state is not TrackedState.OPEN:
            self.notify(f"Order {order.order_id} is {order.state.value}", severity="warning")
            return
        self._cancel(order)

    def on_open_orders_cancel_all_requested(self, message: OpenOrders.CancelAllRequested) -> None:
        self.action_cancel_all()

    @on(Watchlist.Selected)
    def _watchlist_selected(self, message: Watchlist.Selected) -> None:
        self.switch_symbol(message.symbol)

    # Actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dashboard keys act on the main screen only, and never while typing in a field."""
        on_main = self.screen is self.screen_stack[0] if self.screen_stack else True
        if action in self._KEY_ACTIONS:
            return on_main and not isinstance(self.focused, Input)
        return True

    def action_limit(self, side: str) -> None:
        ladder = self.ladder
        price = ladder.cursor_price if ladder.cursor_side is not None else None
        self._open_form(Side(side), OrderType.LIMIT, price)

    def action_market(self, side: str) -> None:
        self._open_form(Side(side), OrderType.MARKET, None)

    def action_cancel(self) -> None:
        self.orders.action_cancel()

    def action_cancel_all(self) -> None:
        if self.read_only:
            self.notify("Read-only: no keys set", severity="warning")
            return
        symbol = self.symbol_name
        live = [o for o in self.tracker.live(symbol) if o.order_id is not None]
        if not live:
            self.notify(f"No open {symbol} orders", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._cancel_all(symbol)

        self.push_screen(
            ConfirmScreen(
                f"Cancel all {len(live)} open {symbol.upper()} orders?",
                title="Cancel all?",
                tone="-sell",
            ),
            confirmed,
        )

    def action_step(self, delta: int) -> None:
        self.ladder.action_step(delta)

    def action_pick_symbol(self) -> None:
        def picked(name: str | None) -> None:
            if name:
                self.switch_symbol(name)

        self.push_screen(SymbolPicker(list(self.symbols.values()), self.symbol_name), picked)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # State changes ----------------------------------------------------------------------------

    def switch_symbol(self, name: str) -> None:
        """Show another symbol: resubscribe its book, trades and klines, reload its history."""
        if name == self.symbol_name or name not in self.symbols:
            return
        old = self.symbol_name
        self.symbol_name = name
        for channel in self._symbol_channels(old, self.step):
            self._unsubscribe(channel)
        self.market.forget(old)
        self.ladder.clear()
        self.tape.reset()
        self._apply_symbol()
        for channel in self._wanted_channels():
            self._subscribe(channel)
        self._load_history(name)
        self._poke.set()

    def _set_step(self, step: int) -> None:
        if step == self.step:
            return
        old, self.step = self.step, step
        self._unsubscribe(channels.depth(self.symbol_name, old))
        self.market.forget(self.symbol_name, old)
        self._subscribe(channels.depth(self.symbol_name, step))
        self.status_bar.set_symbol(self.symbol_name)

    def _apply_symbol(self) -> None:
        symbol = self.symbol
        if symbol is None:
            return
        self.status_bar.set_symbol(symbol.name)
        self.watchlist.current = symbol.name
        self.form.configure(symbol, read_only=self.read_only)
        self.sub_title = f"{symbol.base.upper()}/{symbol.quote.upper()}"
        self._orders_dirty = self._account_dirty = True

    def _open_form(self, side: Side, order_type: OrderType, price: Decimal | None) -> None:
        if self.symbol is None:
            self.notify("Still loading the symbol list", severity="warning")
            return
        self.form.open(side, order_type, price)

    def _orders_changed(self, select: str | None = None) -> None:
        self._orders_dirty = True
        self._flush_orders()
        if select is not None:
            self.orders.select(select)

    # Subscriptions ----------------------------------------------------------------------------

    def _symbol_channels(self, symbol: str, step: int) -> list[str]:
        return [
            channels.depth(symbol, step),
            channels.trade(symbol),
            channels.kline(symbol, KLINE_INTERVAL),
        ]

    def _wanted_channels(self) -> list[str]:
        tickers = [channels.ticker(name) for name in self._watchlist]
        if channels.ticker(self.symbol_name) not in tickers:
            tickers.append(channels.ticker(self.symbol_name))
        return [*self._symbol_channels(self.symbol_name, self.step), *tickers]

    def _subscribe(self, channel: str) -> None:
        if channel in self._subscribed or self.stream is None:
            return
        self._subscribed.add(channel)
        self.stream.subscribe(channel)

    def _unsubscribe(self, channel: str) -> None:
        """Stop a channel, except a watchlist ticker (the watchlist still shows it)."""
        if channel not in self._subscribed or self.stream is None:
            return
        if channel in {channels.ticker(name) for name in self._watchlist}:
            return
        self._subscribed.discard(channel)
        self.stream.unsubscribe(channel)

    # Painting ---------------------------------------------------------------------------------

    def poke_poller(self) -> None:
        """Poll account and open orders now instead of at the next interval."""
        self._poke.set()

    def repaint_now(self) -> None:
        """Paint everything pending at once (the timer does this REPAINT_HZ times a second)."""
        self._account_dirty = self._orders_dirty = True
        self._repaint()

    @contained
    def _repaint(self) -> None:
        """Repaint what changed since the last tick (called REPAINT_HZ times a second)."""
        if not self.ladder.is_attached:
            return  # shutting down
        symbol = self.symbol
        dirty = self.market.take_dirty()
        status = self.status_bar
        if symbol is not None:
            name = symbol.name
            if dirty.has(name, Part.TICKER):
                ticker = self.market.ticker(name)
                if ticker is not None:
                    self.ticker_bar.show(ticker, symbol)
            if dirty.has(name, Part.KLINES):
                self.ticker_bar.set_history(self.market.closes(name))
            if dirty.has(name, Part.BOOK):
                book = self.market.book(name, self.step)
                if book is not None:
                    self._show_book()
            if dirty.has(name, Part.TRADES):
                trades = self.market.take_trades(name)
                if trades:
                    self.tape.add_trades(trades, symbol)
        if dirty.tickers:
            watchlist = self.watchlist
            for ticker in dirty.tickers:
                watchlist.update_ticker(ticker)
        if dirty.has("", Part.CONNECTION):
            state = self.market.connection
            # "connected to <url>" says nothing new; reasons for trouble are worth the room.
            detail = "" if state is ConnectionState.CONNECTED else self.market.connection_detail
            status.set_connection(state, detail)
            status.set_feed_problem(self.market.feed_problem(self.symbol_name))
        if self._account_dirty:
            self._account_dirty = False
            self._flush_account()
        if self._orders_dirty:
            self._flush_orders()
        status.set_data_age(self.market.data_age(self.symbol_name))
        limiter = getattr(self.rest, "limiter", None)
        if limiter is not None:
            status.set_budgets(limiter.budgets())

    def _show_book(self) -> None:
        symbol = self.symbol
        book = self.market.book(self.symbol_name, self.step)
        if symbol is None or book is None:
            return
        own = [order.as_order() for order in self.tracker.live(symbol.name)]
        self.ladder.show(book, symbol, self.step, own)
        self.form.set_best(book.best_bid, book.best_ask)

    def _flush_orders(self) -> None:
        self._orders_dirty = False
        self.orders.show(self.tracker.live(self.symbol_name), self.symbol)
        self._show_book()

    def _flush_account(self) -> None:
        symbol = self.symbol
        account = self.account
        if account is None:
            return
        focus = (symbol.base, symbol.quote) if symbol is not None else ()
        self.balances.show(account, focus_coins=focus)
        self.form.set_account(account)

    def _report_error(self, what: str, exc: Exception) -> None:
        log.warning("%s: %s", what, exc)
        self.notify(str(exc), title=what, severity="error")
