"""A yes/no dialog that states what is about to happen in words.

Placing and mass-cancelling orders go through it, so a stray Enter never trades by itself.
Enter or `y` confirms, Escape or `n` aborts; the result is returned through `dismiss`.
An order's dialog adds `details` (its preview against the book, the share of the balance it
uses) and a `warning` in the error colour (larger than the visible book). All of it is text
computed before the dialog opens: composing it awaits nothing, so it shows in the next frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from cdx.ui.keys import hint
from cdx.ui.screens.backdrop import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    """Shows `question` and returns True (confirmed) or False (aborted)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Confirm", priority=True, id="confirm.yes"),
        Binding("y", "confirm", "Yes", show=False, id="confirm.yes-y"),
        Binding("escape", "abort", "Abort", priority=True, id="confirm.no"),
        Binding("n", "abort", "No", show=False, id="confirm.no-n"),
    ]

    def __init__(
        self,
        question: str,
        *,
        title: str = "Confirm",
        tone: str = "",
        details: Sequence[str] = (),
        warning: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.tone = tone
        self.details = tuple(details)
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes=self.tone):
            # Plain text: the question names coins a server chose.
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            if self.details:
                yield Static("\n".join(self.details), id="confirm-details", markup=False)
            if self.warning:
                yield Static(self.warning, id="confirm-warning", markup=False)
            yield Static(hint(self.app, ConfirmScreen), id="confirm-keys", markup=False)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_abort(self) -> None:
        self.dismiss(False)
