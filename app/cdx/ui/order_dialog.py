"""The confirmation of a new order, asked in one place for every way of placing one.

The form's Enter, `b` / `s` with a default size and a move (`m`) all end in a dialog that must
say the same about the order: what it would take from the book now ("fills now as a taker, up
to N at ..."), the estimate of a market order, the share of the available balance it uses, and
the warning when it is larger than the visible book (`cdx.ui.preview_text.dialog_lines`). A
dialog that leaves these out for one path lets a trader take liquidity without a word.
"""

from __future__ import annotations

from collections.abc import Callable

from cdx.model.account import Account
from cdx.model.order import Side
from cdx.ui.order_check import OrderDraft
from cdx.ui.preview_text import dialog_lines
from cdx.ui.widgets.confirm_dialog import Answer, ConfirmDialog

PLACE_TITLE = "Place order?"


def ask_order(
    dialog: ConfirmDialog,
    draft: OrderDraft,
    account: Account | None,
    answer: Answer,
    *,
    question: str | None = None,
    title: str = PLACE_TITLE,
    typed: Callable[[str], None] | None = None,
) -> None:
    """Ask `dialog` to confirm `draft`: its description (or `question`) and the preview lines.

    `account` None leaves out the share of the balance (a move: the old order's funds come
    back with its cancel, so the available amount says nothing). With `typed`, the dialog of
    an order sent without the form: typing ahead closes it and hands the key to `typed`.
    """
    details, warning = dialog_lines(draft, account)
    tone = "-buy" if draft.side is Side.BUY else "-sell"
    text = draft.describe() if question is None else question
    dialog.ask(text, answer, title=title, tone=tone, details=details, warning=warning, typed=typed)
