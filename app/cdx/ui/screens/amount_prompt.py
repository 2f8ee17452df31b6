"""A dialog that asks for one amount: the palette's "Default size…".

Enter returns what was typed (an empty field means "no default size"), Escape returns None;
the caller checks the text, so a bad amount comes back with the reason and changes nothing.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from cdx.ui.screens.backdrop import DialogScreen


class AmountPrompt(DialogScreen[str | None]):
    """Asks `question`; the field starts with `value`, selected so typing replaces it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "abort", "Abort", priority=True, id="prompt.abort"),
    ]

    DEFAULT_CSS = """
    AmountPrompt {
        align: center middle;
        background: $background 60%;
    }
    """

    def __init__(self, question: str, *, title: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            # Plain text: the question names coins a server chose.
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            yield Input(self.value, placeholder="amount (empty: none)", id="prompt-amount")
            yield Static("Enter: set    Esc: abort", id="confirm-keys", markup=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.select_all()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_abort(self) -> None:
        self.dismiss(None)
