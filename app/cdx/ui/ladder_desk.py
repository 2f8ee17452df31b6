"""Trading from the ladder: cancel at a price (`x`), move an order (`m`), the default size.

`LadderDesk` is mixed into `DashboardApp` beside `OrderDesk`, whose placing, settling and
cancelling it reuses, so an order sent from the ladder ends exactly as one from the form:
placed, not placed, or unknown and then reconciled.

A move is a cancel and then a placement (the exchange has no amend, PROTOCOL.md section 5),
confirmed as one action. The new order's row shows pending from the confirmation on, and the
old one cancelling; if the cancel fails nothing is placed; if it succeeds the new order is
sent for what was left unfilled (read back from the exchange, so a fill that raced the cancel
is never placed twice), and if that placement fails the user is told the order is gone.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from textual import events, work
from textual.widgets import Input

from cdx.client.errors import ApiError, CdxError, TransportError
from cdx.client.placement import NotPlaced, OrderRequest, Placed, send_order
from cdx.client.ratelimit import Priority
from cdx.client.tracker import TrackedOrder, TrackedState
from cdx.model.order import OrderType, Side
from cdx.ui.default_size import DefaultSizes, parse_size
from cdx.ui.format import fmt_amount, fmt_price, fmt_text
from cdx.ui.order_check import OrderDraft, validate
from cdx.ui.order_dialog import ask_order
from cdx.ui.screens.amount_prompt import AmountPrompt
from cdx.ui.widgets.confirm_dialog import TYPE_AHEAD
from cdx.ui.widgets.ladder import Ladder
from cdx.ui.widgets.ladder_layout import bucket
from cdx.ui.widgets.order_form import OrderForm

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

log = logging.getLogger(__name__)

LADDER_TITLE = "Depth"
NO_FORM_RESET = -1
"""`OrderDesk._confirmed_edits` for an order sent from the ladder: the form's amount is not
the one placed, so a placement must not clear it."""


class LadderDesk(_Base):
    """Ladder order workflows of the dashboard (a mixin of `DashboardApp`)."""

    _default_sizes: DefaultSizes | None = None

    _moving: TrackedOrder | None = None
    """The order `m` picked up, until `m` / Enter confirms its new price or Escape aborts."""

    # Default size ------------------------------------------------------------------------------

    @property
    def default_sizes(self) -> DefaultSizes:
        """The default sizes: in memory unless the command sets a file (`cdx` does)."""
        if self._default_sizes is None:
            self._default_sizes = DefaultSizes()
        return self._default_sizes

    @default_sizes.setter
    def default_sizes(self, sizes: DefaultSizes) -> None:
        self._default_sizes = sizes

    def action_limit(self, side: str) -> None:
        """`b` / `s`: with a default size, the confirmation at once (`quick_limit`); else the
        form at the cursor's price."""
        if not self.quick_limit(Side(side)):
            self._open_form(Side(side), OrderType.LIMIT, self.ladder.cursor_price)

    def default_size(self) -> Decimal | None:
        """The current symbol's default size, if one is set."""
        return self.default_sizes.get(self.symbol_name)

    def set_default_size(self, text: str) -> bool:
        """Make `text` the current symbol's default size ("" forgets it); says so either way."""
        symbol = self.symbol
        if symbol is None:
            self.notify("Still loading the symbol list", severity="warning")
            return False
        size: Decimal | None = None
        if text.strip():
            size, problem = parse_size(symbol, text)
            if size is None:
                self.notify(problem, title="Default size not set", severity="error")
                return False
        unsaved = self.default_sizes.set(symbol.name, size)
        self.show_default_size()
        name = fmt_text(symbol.name.upper(), 16)
        if size is None:
            self.notify(f"No default size for {name}: b / s open the form", title="Default size")
        else:
            base = fmt_text(symbol.base.upper(), 12)
            amount = fmt_amount(size, symbol.amount_precision, width=None)
            self.notify(
                f"{name}: b / s on a ladder row now ask to trade {amount} {base}",
                title="Default size",
            )
        if unsaved:
            title = "Default size kept for this session only"
            self.notify(unsaved, title=title, severity="warning")
        return True

    def on_order_form_default_size_chosen(self, message: OrderForm.DefaultSizeChosen) -> None:
        self.set_default_size(message.amount)

    def action_default_size(self) -> None:
        """The palette's "Default size…": ask for an amount, prefilled with the current one."""
        symbol = self.symbol
        if symbol is None:
            self.notify("Still loading the symbol list", severity="warning")
            return
        current = self.default_size()
        value = (
            fmt_amount(current, symbol.amount_precision, grouped=False, width=None)
            if current is not None
            else ""
        )
        base = fmt_text(symbol.base.upper(), 12)
        question = (
            f"Amount in {base} that b / s on a ladder row trade at once "
            f"(after a confirmation); empty for none."
        )

        def chosen(text: str | None) -> None:
            if text is not None:
                self.set_default_size(text)

        title = f"Default size for {fmt_text(symbol.name.upper(), 16)}"
        self.push_screen(AmountPrompt(question, title=title, value=value), chosen)

    def quick_limit(self, side: Side) -> bool:
        """`b` / `s` with a default size: the confirmation for a limit order at the cursor's
        price, or the form with the reason it would be refused. False: no default size (or no
        cursor, or read-only), so the caller opens the form as usual."""
        symbol, size, price = self.symbol, self.default_size(), self.ladder.cursor_price
        if symbol is None or size is None or price is None or self.read_only:
            return False
        price_text = fmt_price(price, symbol.price_precision, grouped=False, width=None)
        amount_text = fmt_amount(size, symbol.amount_precision, grouped=False, width=None)
        book = self.market.book(symbol.name, self.step)
        check = validate(
            symbol,
            side,
            OrderType.LIMIT,
            price_text,
            amount_text,
            self.account,
            self._reference(side),
            book=book,
            step=self.step,
        )
        if check.draft is None:
            self._form_with_default(side, price, amount_text)
            first = check.first_error
            reason = first[1] if first is not None else "cannot be checked"
            self.notify(reason, title="Default size order not proposed", severity="warning")
            return True
        self._confirm_quick(check.draft)
        return True

    def _form_with_default(self, side: Side, price: Decimal, amount_text: str) -> None:
        """The form for a limit order at `price` with the default size in the amount."""
        self.form.open(side, OrderType.LIMIT, price)
        self.form.query_one("#amount", Input).value = amount_text

    def _confirm_quick(self, draft: OrderDraft) -> None:
        """The dialog of the form's Enter (`order_dialog`: the same preview), for `draft`."""
        if self._refused_stale():
            return

        def placed(confirmed: bool | None) -> None:
            if confirmed is None:
                return  # typed ahead: the order is in the form now (`_typed_ahead`)
            if confirmed and not self._refused_stale():
                self._confirmed_edits = NO_FORM_RESET
                self._place(*self._begin(draft))
            self.screen.set_focus(self.ladder)

        def typed(key: str) -> None:
            self._typed_ahead(draft, key)

        ask_order(self.confirm, draft, self.account, placed, typed=typed)

    def _typed_ahead(self, draft: OrderDraft, key: str) -> None:
        """A digit, `.` or Tab in the quick dialog: the user is typing an order, as if `b`
        had opened the form. The form opens at the draft's price with the default size, and
        the key is applied there as the form would have taken it: a character replaces the
        selected price (posted after the field's focus, which selects it), Tab goes on to the
        amount."""
        symbol = draft.symbol
        amount = fmt_amount(draft.volume, symbol.amount_precision, grouped=False, width=None)
        assert draft.price is not None
        self._form_with_default(draft.side, draft.price, amount)
        character = TYPE_AHEAD.get(key)
        if character is None:
            self.form.action_next_field()
        else:
            self.form.query_one("#price", Input).post_message(events.Key(key, character))

    def show_default_size(self) -> None:
        """Name the symbol's default size in the ladder's title (`Depth  default 0.002`):
        where a trader looks before `b` / `s`, so a dialog instead of the form is expected."""
        size = self.default_size()
        shown = f"  default {format(size.normalize(), 'f')}" if size is not None else ""
        self.ladder.border_title = f"{LADDER_TITLE}{shown}"

    # Cancel at a price -------------------------------------------------------------------------

    def ours_at_cursor(self) -> list[TrackedOrder]:
        """Our live limit orders resting at the cursor's price (its bucket at a coarser step)."""
        symbol, price = self.symbol, self.ladder.cursor_price
        if symbol is None or price is None:
            return []
        return [
            order
            for order in self.tracker.live(symbol.name)
            if order.type is OrderType.LIMIT
            and order.price is not None
            and bucket(order.side, order.price, symbol, self.step) == price
        ]

    def _cancellable_at_cursor(self) -> list[TrackedOrder] | None:
        """Our open orders at the cursor's price, or None (with the reason said) if none."""
        if self.read_only:
            self.action_refuse_trading()
            return None
        ours = self.ours_at_cursor()
        open_ = [o for o in ours if o.order_id is not None and o.state is TrackedState.OPEN]
        if open_:
            return open_
        price = self._price_text(self.ladder.cursor_price)
        if ours:
            state = ours[0].state.value
            self.notify(f"Our order at {price} is {state}; wait for its answer", severity="warning")
        else:
            self.notify(f"No order of ours at {price}", severity="warning")
        return None

    def action_ladder_cancel(self) -> None:
        """`x`: cancel our orders at the cursor's price; several are confirmed first."""
        orders = self._cancellable_at_cursor()
        if orders is None:
            return
        if len(orders) == 1:
            self._cancel(orders[0])
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                for order in orders:
                    self._cancel(order)

        price = self._price_text(self.ladder.cursor_price)
        listed = "\n".join(f"  {self._describe(order)}" for order in orders)
        question = f"Cancel these {len(orders)} orders at {price}?\n{listed}"
        self.confirm.ask(question, confirmed, title="Cancel orders?", tone="-sell")

    # Move --------------------------------------------------------------------------------------

    def action_ladder_move(self) -> None:
        """`m`: pick up our order at the cursor's price; `m` again confirms the new price."""
        if self._moving is not None:
            self._propose_move()
            return
        orders = self._cancellable_at_cursor()
        if orders is None:
            return
        order = orders[0]  # newest first: with several at one price, the latest one moves
        self._moving = order
        self.ladder.mark_move(self.ladder.cursor_price)
        self.screen.set_focus(self.ladder)
        self.notify(
            f"Moving order {order.order_id}: go to the new price, then m or Enter (Esc aborts)",
            title="Move order",
        )

    def ladder_picked(self, message: Ladder.PricePicked) -> bool:
        """Enter on the ladder while moving: propose the move (True), else not ours (False)."""
        if self._moving is None:
            return False
        self._propose_move()
        return True

    def on_ladder_move_aborted(self, message: Ladder.MoveAborted) -> None:
        if self._moving is not None:
            self.notify(f"Order {self._moving.order_id} stays where it is", title="Move aborted")
        self._end_move()

    def _end_move(self) -> None:
        self._moving = None
        self.ladder.mark_move(None)

    def _propose_move(self) -> None:
        """One dialog for the cancel and the placement; the move is off either way after it."""
        order, symbol, price = self._moving, self.symbol, self.ladder.cursor_price
        if order is None or symbol is None or price is None or order.price is None:
            return
        if order.symbol != symbol.name:
            self._end_move()  # the user switched symbols mid-move
            self.notify(f"Order {order.order_id} stays where it is", title="Move aborted")
            return
        if bucket(order.side, order.price, symbol, self.step) == price:
            self.notify("Move the cursor to the new price first (Esc aborts)", severity="warning")
            return
        draft = self._move_draft(order, price)
        if draft is None:
            return
        old = self._price_text(order.price)
        question = (
            f"Move order {order.order_id} {order.side.value} "
            f"{fmt_amount(draft.volume, symbol.amount_precision, width=None)} @ {old} → "
            f"{self._price_text(price)}?\n"
            "It is cancelled first; the new order is placed only if the cancel succeeds."
        )

        def confirmed(yes: bool | None) -> None:
            self._end_move()
            self.screen.set_focus(self.ladder)
            if yes and not self._refused_stale():
                self._confirmed_edits = NO_FORM_RESET
                self._move(order, draft, self._begin(draft)[2])

        # No share of the balance: the old order's funds come back with its cancel.
        ask_order(self.confirm, draft, None, confirmed, question=question, title="Move order?")

    def _move_draft(self, order: TrackedOrder, price: Decimal) -> OrderDraft | None:
        """The new order: what is left of the old one at `price`, or None (reason said)."""
        symbol = self.symbol
        assert symbol is not None
        report = order.order
        left = order.volume - (report.deal_volume if report is not None else Decimal(0))
        check = validate(
            symbol,
            order.side,
            OrderType.LIMIT,
            fmt_price(price, symbol.price_precision, grouped=False, width=None),
            fmt_amount(left, symbol.amount_precision, grouped=False, width=None),
            None,  # the old order's funds come back with its cancel: the exchange checks
            self._reference(order.side),
            book=self.market.book(symbol.name, self.step),
            step=self.step,
        )
        if check.draft is None:
            first = check.first_error
            reason = first[1] if first is not None else "cannot be checked"
            self.notify(reason, title="Cannot move there", severity="error")
        return check.draft

    @work(group="orders", exit_on_error=False)
    async def _move(self, order: TrackedOrder, draft: OrderDraft, key: str) -> None:
        """Cancel `order`, then place `draft` for what it had left (`key`: its pending row)."""
        assert order.order_id is not None
        order_id = order.order_id
        self.tracker.cancelling(order_id)
        self.orders_changed()
        try:
            await self.rest.cancel_order(order.symbol, order_id)
        except (ApiError, TransportError) as exc:
            self.tracker.cancel_failed(order_id, str(exc))
            self.tracker.settled(key, NotPlaced(f"move stopped: the cancel failed ({exc})"))
            self.notify(
                f"Order {order_id} was not cancelled ({exc}); nothing was placed",
                title="Move failed",
                severity="error",
            )
            self._after_move(key)
            return
        self.tracker.cancelled(order_id)
        self.orders_changed()
        left = await self._left_after_cancel(order, key)
        if left is not None:
            await self._place_moved(order_id, draft, key, left)
        self._after_move(key)

    async def _left_after_cancel(self, order: TrackedOrder, key: str) -> Decimal | None:
        """What the cancelled order had left unfilled, as the exchange reports it; None (and
        the pending row closed, the user told) when nothing is to be placed."""
        assert order.order_id is not None
        try:
            final = await self.rest.show_order(order.symbol, order.order_id, priority=Priority.USER)
        except CdxError as exc:
            reason = f"its fill could not be read ({exc}); nothing was placed"
            self.tracker.settled(key, NotPlaced(reason))
            self.notify(
                f"Order {order.order_id} was cancelled, but {reason}: the order is gone",
                title="Move incomplete",
                severity="error",
                timeout=15,
            )
            return None
        self.tracker.report(final)
        left = final.volume - final.deal_volume
        if left <= 0:
            self.tracker.settled(key, NotPlaced("the order filled before its cancel"))
            self.notify(f"Order {order.order_id} filled before the cancel", title="Not moved")
            return None
        return left

    async def _place_moved(self, order_id: str, draft: OrderDraft, key: str, left: Decimal) -> None:
        """Place the new order (`left` of the old one) and say how the move ended."""
        request = OrderRequest(draft.symbol.name, draft.side, OrderType.LIMIT, left, draft.price)
        try:
            outcome = await send_order(self.rest, request)
        except Exception as exc:
            log.exception("placing %s failed unexpectedly", request.describe())
            outcome = self._lost(request, exc)
        self.tracker.settled(key, outcome)
        where = self._price_text(draft.price)
        if isinstance(outcome, Placed):
            self.notify(
                f"Order {order_id} moved to {where}: now order {outcome.order_id}",
                title="Order moved",
            )
        elif isinstance(outcome, NotPlaced):
            self.notify(
                f"Order {order_id} was cancelled but the new order at {where} was NOT placed: "
                f"{outcome.reason}. The order is gone.",
                title="Move failed: order gone",
                severity="error",
                timeout=20,
            )
        else:
            self.notify(
                f"Order {order_id} was cancelled; the new order at {where} may or may not be "
                "placed: checking",
                title="Move: new order unknown",
                severity="warning",
                timeout=8,
            )
            self._unsettled[key] = draft
            self._settle(key, draft, outcome)

    def _after_move(self, key: str) -> None:
        self.orders_changed(select=key)
        self.poke_poller()

    # Words -------------------------------------------------------------------------------------

    def _reference(self, side: Side) -> Decimal | None:
        """The best price on the other side of the book (what `validate` estimates with)."""
        book = self.market.book(self.symbol_name, self.step)
        if book is None:
            return None
        return book.best_bid if side is Side.SELL else book.best_ask

    def _price_text(self, price: Decimal | None) -> str:
        symbol = self.symbol
        if price is None or symbol is None:
            return "—"
        return fmt_price(price, symbol.price_precision, width=None)

    def _describe(self, order: TrackedOrder) -> str:
        symbol = self.symbol
        decimals = symbol.amount_precision if symbol is not None else 8
        amount = fmt_amount(order.volume, decimals, width=None)
        price = self._price_text(order.price)
        return f"order {order.order_id} {order.side.value} {amount} @ {price}"
