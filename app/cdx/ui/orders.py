"""The order workflows of the dashboard: confirm, place, settle, cancel, cancel all, poll.

`OrderDesk` is mixed into `DashboardApp` (workers are methods of a Textual node, so the desk
runs its requests in the app's workers). It owns everything between a confirmed order and
the row the user sees: placing through `client/placement.py`, the background settling of an
order whose answer was lost, cancels, and the account poller that also schedules the
tracker's reconciliation. The app keeps composing and routing; it calls `poke_poller`,
`orders_changed` and the handlers below, and nothing here formats numbers or signs requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from functools import cached_property
from typing import TYPE_CHECKING

from textual import work

from cdx.client.cancellation import CancelEnd, CancelResult, confirm_cancel
from cdx.client.errors import ApiError, AuthError, CdxError, OrderStateUnknown, TransportError
from cdx.client.paging import OpenOrderList
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
from cdx.client.tracker import TrackedOrder, TrackedState
from cdx.model.order import Order
from cdx.protocol.errors import ErrorCode
from cdx.ui.messages import AccountPolled, OpenOrdersPolled, OrdersChanged, PollFailed
from cdx.ui.order_dialog import ask_order
from cdx.ui.reconnect import ReconnectWatch, final_states, notices
from cdx.ui.stale import StaleMarks, refusal
from cdx.ui.trading_gate import REFUSED_POLL_FACTOR
from cdx.ui.widgets.contained import contained
from cdx.ui.widgets.open_orders import OpenOrders
from cdx.ui.widgets.order_form import OrderDraft, OrderForm

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

log = logging.getLogger(__name__)


class OrderDesk(_Base):
    """Order and account workflows of the dashboard (a mixin of `DashboardApp`)."""

    _poke: asyncio.Event
    """Set to poll account and open orders now instead of after `poll_interval`."""

    _confirmed_edits: int | None = None
    """The form's edit count when the last order was confirmed (see `OrderForm.reset_amount`)."""

    _unsettled: dict[str, OrderDraft]
    """Placements whose answer was lost, by tracker key, until the user is told how they
    ended (by `_settle`, or by the poller's reconcile if it gets there first)."""

    def poke_poller(self) -> None:
        """Poll account and open orders now instead of at the next interval."""
        self._poke.set()

    # Polling ----------------------------------------------------------------------------------

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def _poll(self) -> None:
        """Account, open orders and reconciliation, at background priority, forever.

        Sleeps `poll_interval` between rounds unless an order action asks for news sooner;
        the shared limiter keeps it inside the account group's budget.
        """
        while True:
            pause = self.poll_interval
            try:
                await self._poll_once(self.symbol_name)
            except AuthError as exc:
                refused = exc.code != ErrorCode.TIME_WINDOW
                self.post_message(PollFailed("account", str(exc), key_refused=refused))
                if refused:
                    # Wrong key, secret or IP: asked again, slowly, in case it is fixed on
                    # the exchange's side (`cdx.ui.trading_gate`).
                    log.warning("account key refused: %s", exc)
                    pause = self.poll_interval * REFUSED_POLL_FACTOR
            except CdxError as exc:
                self.post_message(PollFailed("account", str(exc)))
            self._poke.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), timeout=pause)

    async def _poll_once(self, symbol: str) -> None:
        """One round: account, the symbol's open orders, and a reconcile if one is due."""
        account = await self.rest.account(priority=Priority.BACKGROUND)
        self.post_message(AccountPolled(account))
        token = self.tracker.token()
        listed = await self.rest.every_open_order(symbol, priority=Priority.BACKGROUND)
        await self._announce_outage_changes(symbol, listed)
        self.post_message(OpenOrdersPolled(symbol, listed.items, token, complete=listed.complete))
        if self.tracker.needs_reconcile and await self.tracker.reconcile(self.rest):
            self._announce_reconciled()
            self.post_message(OrdersChanged())

    async def _announce_outage_changes(self, symbol: str, listed: OpenOrderList) -> None:
        """After an outage, announce orders that appeared or vanished meanwhile, each
        vanished one with its final state (`cdx.ui.reconnect`); the tracker takes those
        reports before this answer is folded in."""
        changes = self.reconnect_watch.polled(
            symbol,
            listed.items,
            complete=listed.complete,
            healthy=self.market.staleness(symbol) is None,
            tracker=self.tracker,
        )
        if not changes:
            return
        finals = await final_states(changes, self.rest.show_order)
        for final in finals.values():
            if isinstance(final, Order):
                self.tracker.report(final)
        for line in notices(changes, finals, self.symbols.get(symbol)):
            self.notify(line, title="Changed during the outage", severity="warning", timeout=10)

    def _announce_reconciled(self) -> None:
        """Tell the user how each lost placement the reconcile has just settled ended."""
        for key, draft in list(self._unsettled.items()):
            current = self.tracker.get(key)
            if current is None or current.state is TrackedState.UNKNOWN:
                continue
            del self._unsettled[key]
            if current.state is TrackedState.REJECTED:
                self._announce(draft, NotPlaced(current.detail or "not placed"))
            elif current.order_id is not None:
                self._announce(draft, Placed(current.order_id, current.order))

    @contained
    def on_account_polled(self, message: AccountPolled) -> None:
        if message.account != self.account:  # the same answer again draws nothing
            self._account_dirty = True
        self.account = message.account
        self.key_accepted()  # a refused key works again: trading is back (ui/trading_gate.py)
        if self._last_poll_error:
            self._last_poll_error = ""
            self.notify("Account updates back", title="Account")  # the error is stale now
        self._idle_repaint()  # the poll spent rate budget: the status bar shows it

    @contained
    def on_open_orders_polled(self, message: OpenOrdersPolled) -> None:
        before = self.tracker.all()
        self.tracker.sync_open(
            message.symbol, message.orders, message.token, complete=message.complete
        )
        if self.tracker.all() != before:  # an unchanged list redraws neither panel nor ladder
            self._orders_dirty = True
        self._idle_repaint()

    @contained
    def on_orders_changed(self, message: OrdersChanged) -> None:
        self._orders_dirty = True
        self._idle_repaint()

    @contained
    def on_poll_failed(self, message: PollFailed) -> None:
        self._idle_repaint()  # the budget it spent
        self.reconnect_watch.lost()
        if message.key_refused:
            self.key_refused(message.reason)  # KEY REFUSED, not TRADING (ui/trading_gate.py)
        elif message.reason != self._last_poll_error:
            self._last_poll_error = message.reason
            self.notify(message.reason, title="Account update failed", severity="warning")
        if self.account is None:
            self.balances.show_problem(message.reason)

    # Placing ----------------------------------------------------------------------------------

    def on_order_form_submitted(self, message: OrderForm.Submitted) -> None:
        if self.confirm.is_open:
            if self.confirm.question == message.draft.describe():
                # A second Enter typed before the dialog appeared (keys arriving in one
                # burst): Enter, Enter for this very order, as a slower typist would.
                self.confirm.action_confirm()
        elif self.screen is self.screen_stack[0]:
            self._confirm_order(message.draft)

    @cached_property
    def reconnect_watch(self) -> ReconnectWatch:
        """The open orders shown before an outage, to announce what changed across it."""
        return ReconnectWatch()

    @cached_property
    def stale_marks(self) -> StaleMarks:
        """What the ladder, ticker and form show of stale data (`cdx.ui.stale`)."""
        return StaleMarks()

    def show_staleness(self) -> None:
        """Dim the ladder and ticker and stop the form while the book is stale (each repaint
        tick); an outage starts the watch for orders that change meanwhile."""
        staleness = self.market.staleness(self.symbol_name)
        self.stale_marks.show(staleness, ladder=self.ladder, ticker=self.ticker_bar, form=self.form)
        if staleness is not None:
            self.reconnect_watch.lost()

    def trading_refusal(self) -> str | None:
        """Why no order may be sent now (the book is stale: see `cdx.ui.stale`), or None.

        Every path that sends a new order asks this at the moment it would send; cancels do
        not: a trader must be able to pull orders whatever the market feed is doing.
        """
        return refusal(self.market.staleness(self.symbol_name))

    def _refused_stale(self) -> bool:
        """Refuse to send while the book is stale (or the key refused): True (and the reason
        shown) if so."""
        if self.refused_key_said():
            return True
        reason = self.trading_refusal()
        if reason is None:
            return False
        self.form.set_stale(reason, show=True)
        self.notify(reason, title="Order not sent", severity="warning")
        return True

    def _confirm_order(self, draft: OrderDraft) -> None:
        if self._refused_stale():
            return

        def placed(confirmed: bool | None) -> None:
            # A dialog opened while live may be confirmed after the feed went stale.
            if confirmed and not self._refused_stale():
                self._confirmed_edits = self.form.edits
                self._place(*self._begin(draft))
                self.screen.set_focus(self.orders)

        # The preview was computed with the draft (from the book at Enter): nothing to await.
        ask_order(self.confirm, draft, self.account, placed)

    def _begin(self, draft: OrderDraft) -> tuple[OrderDraft, OrderRequest, str]:
        """Track a confirmed order as pending and show its row, in the confirming key's own
        handler: the frame that closes the dialog already has the row, whatever the worker
        that sends it (started next) has to wait for."""
        request = OrderRequest(draft.symbol.name, draft.side, draft.type, draft.volume, draft.price)
        sent_ms = int(time.time() * 1000)
        key = self.tracker.begin(
            request.symbol, request.side, request.type, request.volume, request.price, sent_ms
        )
        self.orders_changed(select=key)
        return draft, request, key

    @work(group="orders", exit_on_error=False)
    async def _place(self, draft: OrderDraft, request: OrderRequest, key: str) -> None:
        """Send one confirmed order (already shown pending); never resent when its answer
        is lost.

        Exactly one of: open with the exchange's id, gone with the reason in the form (not
        placed), or unknown, which `_settle` reconciles in the background to the real order
        or to "not placed".
        """
        try:
            outcome: Outcome = await send_order(self.rest, request)
        except Exception as exc:
            # A bug below us, not an answer: the request may have gone out, so the row must
            # not stay pending forever; unknown, to be proven absent (there is no baseline).
            log.exception("placing %s failed unexpectedly", request.describe())
            outcome = self._lost(request, exc)
        self.tracker.settled(key, outcome)
        self._announce(draft, outcome)
        self.orders_changed(select=key)
        self._poke.set()
        if isinstance(outcome, Unknown):
            self._unsettled[key] = draft
            self._settle(key, draft, outcome)

    def _lost(self, request: OrderRequest, exc: Exception) -> Unknown:
        """The outcome of a placement that failed below us: unknown, never guessed."""
        lost = OrderStateUnknown(
            request.symbol,
            request.side,
            request.type,
            request.volume,
            request.price,
            self.rest.now_ms(),
            f"{type(exc).__name__}: {exc}",
        )
        return Unknown(str(lost), lost)

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
            return  # the poller's reconcile got there first (and told the user)
        self.tracker.settled(key, final)
        if not isinstance(final, Unknown):
            self._unsettled.pop(key, None)
            self._announce(draft, final)
        self.orders_changed(select=key)
        self._poke.set()

    def _announce(self, draft: OrderDraft, outcome: Outcome) -> None:
        """Tell the user how a placement ended, in the form and as a notification."""
        if isinstance(outcome, Placed):
            self.form.reset_amount(unless_edited_since=self._confirmed_edits)
            self.notify(f"{draft.describe()} — order {outcome.order_id}", title="Order placed")
        elif isinstance(outcome, NotPlaced):
            # The form shows the order already: its cause, once (the reason usually reads
            # "order BUY LIMIT ... not placed: <cause>"; the message line keeps it whole).
            _, named, cause = outcome.reason.partition(" not placed: ")
            self.form.show_error(f"Not placed: {cause if named else outcome.reason}")
            self.notify(outcome.reason, title="Order not placed", severity="error")
        else:
            self.notify(outcome.reason, title="Order state unknown", severity="warning", timeout=8)

    # Cancelling -------------------------------------------------------------------------------

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

    def action_cancel(self) -> None:
        self.orders.action_cancel()

    def action_cancel_all(self) -> None:
        if self.read_only:
            self.action_refuse_trading()  # reached from the orders table's own key too
            return
        symbol = self.symbol_name
        live = [o for o in self.tracker.live(symbol) if o.order_id is not None]
        if not live:
            self.notify(f"No open {symbol} orders", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._cancel_all(symbol)

        question = f"Cancel all {len(live)} open {symbol.upper()} orders?"
        self.confirm.ask(question, confirmed, title="Cancel all?", tone="-sell")

    @work(group="orders", exit_on_error=False)
    async def _cancel(self, order: TrackedOrder) -> None:
        assert order.order_id is not None
        self.tracker.cancelling(order.order_id)
        self.orders_changed()
        try:
            await self.rest.cancel_order(order.symbol, order.order_id)
        except (ApiError, TransportError) as exc:
            self.tracker.cancel_failed(order.order_id, str(exc))
            self.notify(str(exc), title="Cancel failed", severity="error")
        else:
            # The answer means "accepted" (PROTOCOL.md section 5): the order is only called
            # cancelled once the exchange shows it CANCELED; it may have filled meanwhile.
            self._told_cancel(await confirm_cancel(self.rest, order.symbol, order.order_id))
        self.orders_changed()
        self._poke.set()

    def _told_cancel(self, result: CancelResult) -> None:
        """Fold how an accepted cancel ended into the tracker and tell the user."""
        order = result.order
        if order is not None:
            self.tracker.report(order)
        if result.end is CancelEnd.ACCEPTED or order is None:
            self.notify(
                f"Cancel accepted, not final yet ({result.detail}); the next poll tells",
                title="Cancel pending",
                severity="warning",
            )
        elif result.end is CancelEnd.CANCELLED:
            filled = f" after {order.deal_volume} filled" if order.deal_volume > 0 else ""
            self.notify(f"Order {order.id} cancelled{filled}", title="Cancelled")
        else:
            self.notify(
                f"Order {order.id} {result.end.value}: not cancelled",
                title="Cancel too late",
                severity="warning",
            )

    @work(group="orders", exit_on_error=False)
    async def _cancel_all(self, symbol: str) -> None:
        for order in self.tracker.live(symbol):
            if order.order_id is not None and order.state is TrackedState.OPEN:
                self.tracker.cancelling(order.order_id)
        self.orders_changed()
        try:
            await self.rest.cancel_all(symbol)
        except (ApiError, TransportError) as exc:
            self.notify(str(exc), title="Cancel all failed", severity="error")
        else:
            # Accepted, not done: the poll (poked below) shows what each order became.
            self.notify(f"Cancel of all {symbol.upper()} orders accepted", title="Cancel all")
        self._poke.set()
