"""The order entry form: side, type, price, amount, the resulting total and fee, and why not.

Everything the exchange would refuse for precision, size or balance (PROTOCOL.md section 5) is
caught here first, inline (`cdx.ui.order_check`), so a bad value never reaches the network.
The form only proposes an `OrderDraft` (`OrderForm.Submitted`); the app confirms and places it.

It also says, as the order is typed, what is available to spend and what the order would take
from the book now (`cdx.model.preview`): a market order's amount, average and worst price, and a
limit price that crosses the spread. `max` or `25%` typed as the amount (or F2-F5) spends that
share of the available balance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label, Static

from cdx.model.account import Account
from cdx.model.order import OrderType, Side
from cdx.model.symbol import Symbol
from cdx.ui.format import fmt_price, fmt_text
from cdx.ui.order_check import Check, OrderDraft, exact, validate
from cdx.ui.preview_text import total_line
from cdx.ui.widgets.clamped_text import ClampedText
from cdx.ui.widgets.contained import Contained, contained
from cdx.ui.widgets.focus_border import FocusBorder
from cdx.ui.widgets.form_aids import SHARE_BINDINGS, FormAids
from cdx.ui.widgets.text_field import TextField

__all__ = ["Check", "OrderDraft", "OrderForm", "exact", "validate"]


class OrderForm(FocusBorder, FormAids, Contained, Vertical):
    """Buy/sell, limit/market, price and amount; Enter proposes the order for confirmation.

    Its text comes from servers (coin names, refusals), so every line is shown as plain text,
    never markup; a value it cannot check or format is reported in its message line.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave form", id="form.leave"),
        Binding("tab", "next_field", "Next field", show=False, priority=True, id="form.next-field"),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            show=False,
            priority=True,
            id="form.previous-field",
        ),
        Binding("ctrl+t", "toggle_side", "Buy/sell", id="form.toggle-side"),
        Binding("ctrl+o", "toggle_type", "Limit/market", id="form.toggle-type"),
        Binding("ctrl+d", "default_size", "Default size", priority=True, id="form.default-size"),
        *SHARE_BINDINGS,
    ]

    side: reactive[Side] = reactive(Side.BUY)
    order_type: reactive[OrderType] = reactive(OrderType.LIMIT)

    class Submitted(Message):
        """The user asked to place this (valid) order."""

        def __init__(self, draft: OrderDraft) -> None:
            self.draft = draft
            super().__init__()

    class DefaultSizeChosen(Message):
        """Ctrl+D: make the amount typed the symbol's default size (`b` / `s` on a ladder
        row then go straight to the confirmation); the app checks and keeps it."""

        def __init__(self, amount: str) -> None:
            self.amount = amount
            super().__init__()

    class Left(Message):
        """The user left the form (Escape); the app moves focus back to the ladder."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.symbol: Symbol | None = None
        self.account: Account | None = None
        self.best_bid: Decimal | None = None
        self.best_ask: Decimal | None = None
        self.init_aids()
        self.read_only = False
        self._refusal: str | None = None
        """The exchange's last refusal; it stays shown until the user edits or submits again,
        so a balance poll revalidating the fields cannot wipe it before it is read."""
        self._amount_unit = ""
        self._stale: str | None = None
        """Why the book is not fit to trade from (`set_stale`), None while it is live."""
        self._stale_shown = False
        self.edits = 0
        """Counts every change of a field; `reset_amount` leaves alone what was typed since."""
        """The coin the amount field is counted in; when it changes (a market buy counts the
        quote coin, every other order the base coin) the amount typed for the old one is
        cleared rather than silently reread in the new one."""

    def compose(self) -> ComposeResult:
        yield Static("", id="form-title", markup=False)
        with Horizontal(classes="form-row"):
            yield Label("Price", classes="form-label")
            yield TextField(placeholder="price", id="price", select_on_focus=True)
            yield Label("", id="price-unit", classes="form-unit", markup=False)
        with Horizontal(classes="form-row"):
            yield Label("Amount", classes="form-label")
            yield TextField(placeholder="amount", id="amount", select_on_focus=True)
            yield Label("", id="amount-unit", classes="form-unit", markup=False)
        yield Static("", id="form-available", markup=False)
        yield Static("", id="form-total", markup=False)
        yield Static("", id="form-preview", markup=False, classes="-empty")
        yield ClampedText(id="form-message")  # wraps; a cut is marked (whole on `?`)

    def on_mount(self) -> None:
        self.border_title = "Order"
        self.border_subtitle = self._share_hint()
        self._refresh_labels()

    # What the app calls -----------------------------------------------------------------------

    def configure(self, symbol: Symbol, *, read_only: bool) -> None:
        """Switch to `symbol` (clearing the fields) and say whether orders can be placed."""
        changed = self.symbol is None or self.symbol.name != symbol.name
        self.symbol = symbol
        self.read_only = read_only
        if changed:
            self.set_book(None)  # the old symbol's book must not preview the new one's orders
        if changed and self.is_mounted:
            self.query_one("#price", Input).value = ""
            self.query_one("#amount", Input).value = ""
        self._refresh_labels()

    def set_account(self, account: Account | None) -> None:
        self.account = account
        self._revalidate()

    def set_stale(self, reason: str | None, *, show: bool = False) -> None:
        """The book is stale (`reason` says how, in words to show) or live again (None).

        Called on every repaint tick, it only stores the reason, which Enter reads; `show`
        also puts it under the fields as a refusal, which goes as soon as the book is live.
        """
        self._stale = reason
        if show and reason is not None:
            self.show_error(reason)
            self._stale_shown = True
        elif reason is None and self._stale_shown:
            self._stale_shown = False
            if self._refusal is not None:
                self._refusal = None
                self._revalidate()

    def set_best(self, bid: Decimal | None, ask: Decimal | None) -> None:
        """Best prices of the book, for prefilling and for a market order's estimate."""
        self.best_bid, self.best_ask = bid, ask

    @contained
    def open(self, side: Side, order_type: OrderType, price: Decimal | None = None) -> None:
        """Show the form for `side`/`order_type` and focus the field the user types next.

        A limit order's price is prefilled (the ladder cursor, else the best opposite price)
        and selected so typing replaces it; a market order focuses the amount.
        """
        self.side = side
        self.order_type = order_type
        price_input = self.query_one("#price", Input)
        amount_input = self.query_one("#amount", Input)
        if order_type is OrderType.LIMIT:
            if price is None:
                price = self.best_ask if side is Side.BUY else self.best_bid
            if price is not None and self.symbol is not None:
                price_input.value = fmt_price(
                    price, self.symbol.price_precision, grouped=False, width=None
                )
            self.screen.set_focus(price_input)
            price_input.select_all()
        else:
            self.screen.set_focus(amount_input)
            amount_input.select_all()
        self._refresh_labels()

    def show_display_failure(self, text: str | None) -> None:
        """A value the form could not check or format: said in the message line."""
        if self.is_mounted:
            self._update("#form-message", text or self._refusal or "")
            message = self.query_one("#form-message", Static)
            message.set_class(bool(text or self._refusal), "-error")

    def show_error(self, text: str) -> None:
        """A refusal from the exchange (or the network), shown under the fields."""
        text = fmt_text(text, 300)
        self._refusal = text
        self._update("#form-message", text)
        self.query_one("#form-message", Static).set_class(True, "-error")

    def reset_amount(self, unless_edited_since: int | None = None) -> None:
        """Clear the amount after a placement, unless the fields changed since `edits` read
        `unless_edited_since`: the answer came while the user was typing the next order."""
        if unless_edited_since is None or unless_edited_since == self.edits:
            self.query_one("#amount", Input).value = ""

    def check(self) -> Check | None:
        if self.symbol is None:
            return None
        return validate(
            self.symbol,
            self.side,
            self.order_type,
            self.query_one("#price", Input).value,
            self.query_one("#amount", Input).value,
            self.account,
            self.best_bid if self.side is Side.SELL else self.best_ask,
            book=self.book,
            step=self.book_step,
        )

    # Reactions --------------------------------------------------------------------------------

    def watch_side(self) -> None:
        self._refresh_labels()

    def watch_order_type(self) -> None:
        self._refresh_labels()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.edits += 1
        self._refusal = None
        if event.value != self._filled:
            self._note, self._filled = "", None
        if event.input.id == "amount" and self._typed_shortcut():
            return
        self._revalidate()

    def on_resize(self) -> None:
        self._revalidate()  # the preview's lines are fitted to the width

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        draft = self.submit()
        if draft is not None:
            self.post_message(self.Submitted(draft))

    @contained
    def submit(self) -> OrderDraft | None:
        """Validate for placing: the draft, or None with the reason shown and its field focused.

        The app calls this for Enter; a plain `Input.Submitted` (no app binding) posts
        `Submitted` instead.
        """
        if self.read_only:
            self.show_error("Read-only: set CDX_API_KEY and CDX_API_SECRET to trade")
            return None
        if self.key_refusal:
            self.show_error(f"API key refused: {self.key_refusal}")
            return None
        if self._stale is not None:
            self.set_stale(self._stale, show=True)  # stale means stop: no order from an old book
            return None
        self._refusal = None
        self._typed_shortcut()  # `50%` then Enter in one burst: resolved before checking
        check = self.check()
        if check is None:
            return None
        self._show_check(check, final=True)
        if check.draft is not None:
            return check.draft
        first = check.first_error
        if first is not None:
            self.screen.set_focus(self.query_one(f"#{first[0]}", Input))
        return None

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def action_previous_field(self) -> None:
        self.screen.focus_previous()

    def action_leave(self) -> None:
        """Let go of the focus now, not when the app reads `Left`: the next key of a burst
        (`Escape s`) is then routed as a dashboard key, as it would be typed slowly."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors_with_self:
            self.screen.set_focus(None)
        self.post_message(self.Left())

    def action_default_size(self) -> None:
        self.post_message(self.DefaultSizeChosen(self.query_one("#amount", Input).value))

    def action_toggle_side(self) -> None:
        self.side = self.side.opposite

    def action_toggle_type(self) -> None:
        self.order_type = (
            OrderType.MARKET if self.order_type is OrderType.LIMIT else OrderType.LIMIT
        )

    # Painting ---------------------------------------------------------------------------------

    @contained
    def _refresh_labels(self) -> None:
        if not self.is_mounted:
            return
        symbol = self.symbol
        market = self.order_type is OrderType.MARKET
        side_word = "BUY" if self.side is Side.BUY else "SELL"
        kind = "MARKET" if market else "LIMIT"
        name = fmt_text(symbol.name.upper(), 16) if symbol else ""
        title = self.query_one("#form-title", Static)
        title.update(f"{side_word} {kind}  {name}" + ("  (read-only)" if self.read_only else ""))
        self.set_class(self.side is Side.BUY, "-buy")
        self.set_class(self.side is Side.SELL, "-sell")
        price = self.query_one("#price", Input)
        if market and price.has_focus:
            # A disabled field drops the focus (and the keys typed next): hand it on first.
            self.screen.set_focus(self.query_one("#amount", Input))
        price.disabled = market
        price.placeholder = "at market" if market else "price"
        if market:
            price.value = ""
        quote = fmt_text(symbol.quote.upper(), 12) if symbol else ""
        base = fmt_text(symbol.base.upper(), 12) if symbol else ""
        self.query_one("#price-unit", Label).update(quote)
        market_buy = market and self.side is Side.BUY
        unit = quote if market_buy else base
        if unit != self._amount_unit:
            if self._amount_unit:
                self.query_one("#amount", Input).value = ""
            self._amount_unit = unit
        self.query_one("#amount-unit", Label).update(f"{quote} to spend" if market_buy else base)
        self.query_one("#amount", Input).placeholder = (
            f"amount in {quote}" if market_buy else f"amount in {base}"
        )
        self._revalidate()

    @contained
    def _revalidate(self) -> None:
        if not self.is_mounted:
            return
        check = self.check()
        if check is not None:
            self._show_check(check, final=False)

    def _show_check(self, check: Check, *, final: bool) -> None:
        symbol = self.symbol
        assert symbol is not None
        width = self._width()
        self._update("#form-total", total_line(check, symbol, self.side, self.order_type, width))
        preview = self._show_preview(check)
        self._show_available(check)
        # While typing, an empty field is not an error yet; on Enter it is.
        errors = [text for _, text in check.errors if final or not text.endswith("is required")]
        if not final and self._typing_max():
            errors = []
        text = self._refusal or self._note or (errors[0] if errors else "")
        warn = bool(text)
        if not text:
            text, warn = preview.note, preview.warning
        self._update("#form-message", text)
        self.query_one("#form-message", Static).set_class(warn, "-error")
        for field in ("price", "amount"):
            error = check.error(field)
            shown = error is not None and (final or not error.endswith("is required"))
            self.query_one(f"#{field}", Input).set_class(shown, "-invalid")
