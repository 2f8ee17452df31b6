"""The dashboard: one screen of market data, balances, orders and the order form.

`DashboardApp` composes the widgets and routes messages between them and the workers; it
formats no numbers and signs no requests. Which channels to subscribe is decided by
`client/subscriptions.py`, what happens to an order by `ui/orders.py` (`OrderDesk`), how the
symbols, the stream and the history are loaded by `ui/loading.py` (`MarketLoader`). Every
socket and request lives in a worker (the market stream, the account poller, one worker per
order action), so a slow link never freezes the keyboard. Stream events are folded into
`MarketState` as they come and painted by a timer at most `REPAINT_HZ` times a second, only
the parts that changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.driver import Driver
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from cdx.client.market_events import ConnectionState, HeartbeatEvent
from cdx.client.subscriptions import Subscriptions
from cdx.client.tracker import OrderTracker
from cdx.model.account import Account
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui import STYLES_DIR
from cdx.ui.commands import DashboardCommands
from cdx.ui.idle_look import IdleLook, RestingRepaint
from cdx.ui.key_order import KeysInOrder
from cdx.ui.keys import DASHBOARD_BINDINGS, priority_actions
from cdx.ui.ladder_desk import LadderDesk
from cdx.ui.loading import CONNECTING, MarketLoader
from cdx.ui.messages import StreamEventReceived
from cdx.ui.notice_desk import NoticeDesk
from cdx.ui.orders import OrderDesk
from cdx.ui.orders_tabs import OrdersPanel, OrdersTabs
from cdx.ui.panel_views import PanelViews
from cdx.ui.screens.symbol_picker import SymbolPicker
from cdx.ui.state import MarketState, Part
from cdx.ui.trading_gate import TradingGate, trading_allowed
from cdx.ui.widgets.balances import BalancesPanel
from cdx.ui.widgets.confirm_dialog import ConfirmDialog
from cdx.ui.widgets.contained import DISPLAY_ERROR, FailureLog, contained
from cdx.ui.widgets.fitted_footer import FittedFooter
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.message_line import MessageLine
from cdx.ui.widgets.open_orders import OpenOrders
from cdx.ui.widgets.order_form import OrderForm
from cdx.ui.widgets.status_bar import StatusBar
from cdx.ui.widgets.ticker_bar import TickerBar
from cdx.ui.widgets.trades_tape import TradesTape
from cdx.ui.widgets.watchlist import Watchlist

if TYPE_CHECKING:
    from cdx.client.rest import RestClient
    from cdx.client.stream import MarketStream

log = logging.getLogger(__name__)

REPAINT_HZ = 10
"""Upper bound on repaints a second, whatever the stream's rate (slow SSH links)."""


class DashboardApp(
    KeysInOrder,
    LadderDesk,
    OrderDesk,
    OrdersTabs,
    MarketLoader,
    NoticeDesk,
    PanelViews,
    TradingGate,
    RestingRepaint,
    App[None],
):
    """The cdx dashboard over any server of PROTOCOL.md.

    `rest` carries the credentials (read-only without them), or is a function that makes that
    client at its first use, and then `read_only` says whether it will have them (the `cdx`
    command: importing the HTTP library would hold the first frame back); `ws_url` is the
    market stream; `clock` is the monotonic clock used for data age (frozen in snapshot tests);
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
    BINDINGS: ClassVar[list[BindingType]] = [
        *DASHBOARD_BINDINGS,
        # Enter in the order form, resolved as the key is read: the dialog is pushed before
        # the next key is routed, and without the trip of a bubbling Input.Submitted. No
        # description: it is the form's Enter (README's Keys table), not a key of its own.
        Binding("enter", "submit_order", show=False, priority=True, id="form.submit"),
    ]

    _KEY_ACTIONS: ClassVar[frozenset[str]] = priority_actions(BINDINGS)
    """The dashboard keys: off while a field has focus or a dialog is open."""

    # The widgets, found once on mount (handlers and workers use these, not queries).
    ladder: Ladder
    form: OrderForm
    confirm: ConfirmDialog
    orders: OpenOrders
    balances: BalancesPanel
    ticker_bar: TickerBar
    tape: TradesTape
    watchlist: Watchlist
    status_bar: StatusBar

    def __init__(
        self,
        rest: RestClient | Callable[[], RestClient],
        ws_url: str,
        symbol: str,
        *,
        read_only: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__()
        self._make_rest = rest if callable(rest) else None
        self._rest = None if callable(rest) else rest
        self._read_only = self.rest.read_only if read_only is None else read_only
        self.first_frame = asyncio.Event()
        """Set once the first frame, and those it set off, are on the screen."""
        self.ws_url = ws_url
        self.symbol_name = symbol.lower()
        self.clock = clock
        self.poll_interval = poll_interval
        self.market = MarketState(clock)
        self.tracker = OrderTracker()
        self.symbols: dict[str, Symbol] = {}
        self.account: Account | None = None
        self.stream: MarketStream | None = None
        self.subscriptions = Subscriptions()
        self._orders_dirty = False
        self._account_dirty = False
        self._poke = asyncio.Event()
        self._unsettled = {}
        self._last_poll_error = ""
        self._watchlist: list[str] = []
        self._load_failures = 0
        self._failures = FailureLog("dashboard")
        self.contained_failures = 0

    # Containment ------------------------------------------------------------------------------

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
                yield OrdersPanel(id="orders")
            with Vertical(id="side"):
                yield Watchlist(id="watchlist")
                yield TradesTape(id="tape")
        yield MessageLine(self.clock, id="messages")
        yield StatusBar(id="status")
        yield FittedFooter(DASHBOARD_BINDINGS, compact=True, show_command_palette=False)
        yield ConfirmDialog(id="confirm")

    @property
    def _market_panels(self) -> tuple[Widget, ...]:
        """The panels that stay empty until the exchange answers."""
        return (self.ladder, self.balances, self.orders_panel, self.watchlist, self.tape)

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def symbol(self) -> Symbol | None:
        """The current symbol's rules, once `symbols` has answered."""
        return self.symbols.get(self.symbol_name)

    def on_mount(self) -> None:
        self.ladder = self.query_one(Ladder)
        self.form = self.query_one(OrderForm)
        self.confirm = self.query_one(ConfirmDialog)
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
        # The first frame is painted before the exchange answers (it may still be starting):
        # every panel says so until the symbol list arrives and the data follows.
        for panel in self._market_panels:
            panel.border_subtitle = CONNECTING
        status = self.status_bar
        status.set_mode(self.read_only)
        status.set_symbol(self.symbol_name)
        status.set_connection(ConnectionState.CONNECTING)
        self.show_read_only()
        self.ladder.focus()
        self._repaint_timer = self.set_interval(1 / REPAINT_HZ, self._repaint)
        self._idle_ticks = 0
        self._idle_look = IdleLook(self._idle_repaint)

    # Messages from workers --------------------------------------------------------------------

    @contained
    def on_stream_event_received(self, message: StreamEventReceived) -> None:
        had_book = self.market.book(self.symbol_name, self.step) is not None
        self.market.apply(message.event)
        if not had_book and self.market.book(self.symbol_name, self.step) is not None:
            self.call_later(self._repaint)  # the book waited for: now, not at the next tick
        if isinstance(message.event, HeartbeatEvent):
            self._idle_repaint()  # a heartbeat changes nothing on screen but the age
        else:
            self._wake_repaint()

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
        if not self.ladder_picked(message):  # Enter while moving an order confirms the move
            self._open_form(message.side, OrderType.LIMIT, message.price)

    def on_ladder_step_changed(self, message: Ladder.StepChanged) -> None:
        """The ladder holds the step; the book of the old one is dropped, the new subscribed."""
        self.market.forget(self.symbol_name, message.previous)
        self._resubscribe()

    def on_order_form_left(self, message: OrderForm.Left) -> None:
        """The form has let go of the focus (synchronously, so the next key of a burst is a
        dashboard key); the ladder takes it unless that key already focused something."""
        if self.focused is None:
            self.ladder.focus()

    @on(Watchlist.Selected)
    def _watchlist_selected(self, message: Watchlist.Selected) -> None:
        self.switch_symbol(message.symbol)

    # Actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dashboard keys act on the main screen only, never while typing in a field nor
        while the confirmation dialog is open."""
        on_main = self.screen is self.screen_stack[0] if self.screen_stack else True
        dialog: ConfirmDialog | None = getattr(self, "confirm", None)  # None before mount
        if dialog is not None and dialog.is_open:
            if action == "command_palette":
                return False  # its commands act as the dashboard's keys would
            on_main = False
        if not trading_allowed(action, self.trading_off):
            return False  # hidden from the footer; a trading key says why (`refuse_trading`)
        if action == "submit_order":
            focused = self.focused
            return on_main and focused is not None and self.form in focused.ancestors_with_self
        if action in self._KEY_ACTIONS:
            return on_main and not isinstance(self.focused, Input)
        return True

    def action_submit_order(self) -> None:
        """Enter in the form: the confirmation dialog in the next frame, or the reason not."""
        self.form.set_stale(self.trading_refusal())  # the age as of this key, not the last tick
        draft = self.form.submit()
        if draft is not None:
            self._confirm_order(draft)

    def action_market(self, side: str) -> None:
        self._open_form(Side(side), OrderType.MARKET, None)

    def action_step(self, delta: int) -> None:
        self.ladder.action_step(delta)

    def action_pick_symbol(self) -> None:
        def picked(name: str | None) -> None:
            if name:
                self.switch_symbol(name)

        self.push_screen(SymbolPicker(list(self.symbols.values()), self.symbol_name), picked)

    # State changes ----------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """The depth step shown: the ladder's, the one place it is kept."""
        return self.ladder.step

    def switch_symbol(self, name: str) -> None:
        """Show another symbol: resubscribe its book, trades and klines, reload its history."""
        if name == self.symbol_name or name not in self.symbols:
            return
        old = self.symbol_name
        self.symbol_name = name
        self.market.forget(old)
        self.ladder.clear()
        self.tape.reset()
        self.account_history.reset()
        self._apply_symbol()
        self._resubscribe()
        self._load_history(name)
        self._poke.set()

    def _resubscribe(self) -> None:
        """Move the stream's subscriptions to the symbol, step and watchlist shown now."""
        stream = self.stream
        if stream is None:
            return  # the stream subscribes everything wanted when it starts
        change = self.subscriptions.want(self.symbol_name, self.step, self._watchlist)
        for channel in change.unsubscribe:
            stream.unsubscribe(channel)
        for channel in change.subscribe:
            stream.subscribe(channel)

    def _apply_symbol(self) -> None:
        symbol = self.symbol
        if symbol is None:
            return
        self.status_bar.set_symbol(symbol.name)
        self.watchlist.current = symbol.name
        self.form.configure(symbol, read_only=self.read_only)
        self.show_default_size()
        self.sub_title = f"{symbol.base.upper()}/{symbol.quote.upper()}"
        self._orders_dirty = self._account_dirty = True
        self._wake_repaint()

    def _open_form(self, side: Side, order_type: OrderType, price: Decimal | None) -> None:
        if self.symbol is None:
            self.notify("Still loading the symbol list", severity="warning")
            return
        self.form.open(side, order_type, price)

    def orders_changed(self, select: str | None = None) -> None:
        """The tracker changed: show the orders (and the ladder's markers) now."""
        self._orders_dirty = True
        self._flush_orders()
        if select is not None:
            self.orders.select(select)

    # Painting ---------------------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        """On a Linux terminal, Textual's driver with a shadow of the screen (`CellDiffDriver`):
        only cells that changed are written, which is what a dashboard left open over SSH costs.
        Any other driver (headless tests, Windows, one named in `TEXTUAL_DRIVER`, which is how
        to opt out) is left as Textual chose it."""
        from textual import constants
        from textual.drivers.linux_driver import LinuxDriver

        from cdx.ui.cell_diff import CellDiffDriver

        driver = super().get_driver_class()
        chosen = constants.DRIVER is not None
        return CellDiffDriver if driver is LinuxDriver and not chosen else driver

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
        self._note_idle(bool(dirty) or self._account_dirty or self._orders_dirty)
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
            self.balances.set_prices(dirty.tickers, self.symbols)  # values follow, at this rate
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
        self.show_staleness()  # then the age: never `data live` beside a STALE ticker
        age = self.market.data_age(self.symbol_name)
        status.set_data_age(age, stale=self.stale_marks.label is not None)
        limiter = getattr(self._rest, "limiter", None)  # none to show until it is made
        if limiter is not None:
            status.set_budgets(limiter.budgets())
        self._look_when_due(age)

    def _show_book(self) -> None:
        symbol = self.symbol
        book = self.market.book(self.symbol_name, self.step)
        if symbol is None or book is None:
            return
        own = [order.as_order() for order in self.tracker.live(symbol.name)]
        self.ladder.show(book, symbol, self.step, own)
        self.form.set_book(book, self.step)

    def _flush_orders(self) -> None:
        self._orders_dirty = False
        self.show_orders()
        self._show_book()

    def _flush_account(self) -> None:
        symbol = self.symbol
        account = self.account
        if account is None:
            return
        focus = (symbol.base, symbol.quote) if symbol is not None else ()
        self.balances.show(account, focus_coins=focus, value_in=symbol)
        self.form.set_account(account)

    def _report_error(self, what: str, exc: Exception) -> None:
        log.warning("%s: %s", what, exc)
        self.notify(str(exc), title=what, severity="error")
