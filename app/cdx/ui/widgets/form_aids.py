"""What the order form says beside its fields: the book's preview, the balance, the shortcuts.

Mixed into `OrderForm`, kept apart so the form's own module stays about fields and submitting.
As the order is typed it shows what is available to spend and what the order would take from
the book now (`cdx.model.preview`, in words by `cdx.ui.preview_text`); `max` or `25%` typed as
the amount, or F2-F5, puts in the amount that spends that share of the available balance
(`cdx.ui.order_check.amount_for_share`). Everything here is computed from what the form
already holds: nothing awaits, so Enter still opens the dialog in the next frame.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from cdx.model.book import Book
from cdx.model.order import OrderType, Side
from cdx.ui.format import fmt_amount, fmt_price, fmt_text
from cdx.ui.keys import key_label
from cdx.ui.order_check import Check, amount_for_share, share_of_available, shortcut_share
from cdx.ui.preview_text import FormPreview, first_fit, form_preview

if TYPE_CHECKING:
    from cdx.ui.widgets.order_form import OrderForm

    _Base = OrderForm
else:
    _Base = object

SHARE_BINDINGS: list[BindingType] = [
    Binding(
        key,
        f"fill_share('{share}')",
        words,
        key_display=key.upper(),
        show=False,
        id=f"form.share-{key}",
    )
    for key, share, words in (
        ("f2", "0.25", "25% of available"),
        ("f3", "0.5", "50% of available"),
        ("f4", "0.75", "75% of available"),
        ("f5", "1", "max: all available"),
    )
]
"""F-keys, because they reach the form through tmux and SSH and type nothing into a field
(alt+digit arrives as a character on many terminals)."""


class FormAids(_Base):
    """The form's preview, available balance and amount shortcuts (a mixin of `OrderForm`)."""

    def init_aids(self) -> None:
        """Called from the form's `__init__`."""
        self.book: Book | None = None
        self.book_step = 0
        """The book the preview walks and the depth step it was aggregated at."""
        self._note = ""
        """Why a shortcut (`max`, `25%`) gave no amount, or one the exchange would refuse."""
        self._filled: str | None = None
        """The amount a shortcut put in the field, so its own change keeps `_note`."""
        self._shown: dict[str, str] = {}
        """Text last shown per line, so a book push repaints only the lines that change."""
        self.key_refusal = ""
        """Why the exchange refused the API key ("" while it accepts it): no balance comes,
        and Enter says so instead of sending."""

    def set_key_refused(self, reason: str) -> None:
        """The key is refused (`reason`) or accepted again (""): said where the balance is."""
        if reason == self.key_refusal:
            return
        if not reason:
            self._refusal = None  # the refusal it caused goes with it
        self.key_refusal = reason
        if self.is_mounted:
            self._revalidate()

    def _update(self, selector: str, text: str) -> None:
        """Show `text` in the line `selector`, repainting it only when it changed."""
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            self.query_one(selector, Static).update(text)

    def set_book(self, book: Book | None, step: int = 0) -> None:
        """The book shown now (the ladder's, aggregated at `step`): the best prices for
        prefilling, and what the preview walks. The preview follows the book as it moves."""
        self.book, self.book_step = book, step
        self.set_best(book.best_bid if book else None, book.best_ask if book else None)
        if not self.is_mounted:
            return
        if self.order_type is OrderType.MARKET or self.query_one("#price", Input).value:
            self._revalidate()

    def action_fill_share(self, share: str) -> None:
        """F2-F5: spend 25/50/75/100 % of what is available (see `amount_for_share`)."""
        self._apply_share(Decimal(share))

    def _typed_shortcut(self) -> bool:
        """Resolve `max` or `25%` typed as the amount; True if the field held one."""
        share = shortcut_share(self.query_one("#amount", Input).value)
        if share is None:
            return False
        self._apply_share(share)
        return True

    def _typing_max(self) -> bool:
        """The amount is a start of `max` (`m`, `ma`): not a mistake yet."""
        text = self.query_one("#amount", Input).value.strip().lower()
        return bool(text) and "max".startswith(text)

    def _apply_share(self, share: Decimal) -> None:
        """Put the amount spending `share` of the available balance in the field, or say why
        there is none; a result below the exchange's minimum is said, not hidden."""
        if self.symbol is None:
            return
        price = self.query_one("#price", Input).value
        result = amount_for_share(
            self.symbol, self.side, self.order_type, share, price, self.account
        )
        self._note = result.note
        if result.text is not None:
            amount = self.query_one("#amount", Input)
            self._filled = result.text
            amount.value = result.text
            amount.cursor_position = len(result.text)
        self._revalidate()

    def _share_hint(self) -> str:
        """`F2 25% F3 50% F4 75% F5 max`, from the bindings (the keys are spelled once)."""
        return " ".join(
            f"{key_label(self.app, b)} {b.description.split(' ')[0].rstrip(':')}"
            for b in Binding.make_bindings(SHARE_BINDINGS)
        )

    def _width(self) -> int:
        """The width the form's lines have (before the first layout: the narrowest, 40)."""
        return self.content_region.width or 40

    def _show_available(self, check: Check) -> None:
        """What can be spent: the balance of the coin the order spends, and the share of it
        the order typed so far would use."""
        symbol, account = self.symbol, self.account
        assert symbol is not None
        held = symbol.held_coin(self.side)
        coin = fmt_text(held.upper(), 12)
        if self.key_refusal:
            text = f"Available {coin}: API key refused"
        elif account is None:
            text = "Available: read-only" if self.read_only else f"Available {coin}: loading…"
        elif not account.knows(held):
            text = f"Available {coin}: unknown"
        else:
            decimals = symbol.price_precision if self.side is Side.BUY else symbol.amount_precision
            amount = fmt_amount(account.balance(held).available, decimals)
            share = share_of_available(check.draft, account) if check.draft else None
            uses = f"  uses {fmt_price(share[0], 1)}%" if share else ""
            text = first_fit(
                [f"Available {amount} {coin}{uses}", f"Avail {amount} {coin}{uses}"], self._width()
            )
        self._update("#form-available", text)

    def _show_preview(self, check: Check) -> FormPreview:
        """The preview lines of a market order or a limit price through the spread."""
        assert self.symbol is not None
        preview = form_preview(check, self.symbol, self.order_type, self._width())
        self._update("#form-preview", "\n".join(preview.lines))
        self.query_one("#form-preview", Static).set_class(not preview.lines, "-empty")
        return preview
