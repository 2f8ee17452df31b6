"""The yes/no dialog that states what is about to happen in words, drawn over the dashboard.

Placing, moving and mass-cancelling orders go through it, so a stray Enter never trades by
itself. Enter or `y` confirms, Escape or `n` aborts. An order's question adds `details` (its
preview against the book, the share of the balance it uses) and a `warning` in the error colour
(larger than the visible book). All of it is text computed before the dialog opens.

Why a layer of the dashboard's own screen and not a screen of its own: a dialog screen made
Textual compose the whole dashboard again beneath it, dimmed, when it opened and again when it
closed: in a profile of Enter → dialog that was most of the work between the key and its frame,
and over SSH it rewrote every cell of the terminal twice (every colour changed). Here showing
the dialog lays out one hidden box and draws only its cells; the market stays live and
readable around it. It is mounted once and only its text changes.

While it is open every key read is its own (`take_key`, called by the app's key routing
before anything else sees the key): the focus stays where it was, so opening and closing it
restyles nothing and redraws nothing else (a change of focus made Textual repaint the whole
screen). Keys it has no binding for do nothing, except quitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.widgets import Static

from cdx.ui.keys import declared, hint
from cdx.ui.widgets.fitted_footer import FittedFooter

Answer = Callable[[bool | None], None]
"""Called once with the answer: True confirmed, False aborted, None typed ahead."""

TONES = ("-buy", "-sell")
"""The tones a dialog's border can take (CSS classes of `#confirm-box`); none is neutral."""

TYPE_AHEAD: dict[str, str | None] = {
    **{digit: digit for digit in "0123456789"},
    "full_stop": ".",
    "tab": None,
}
"""Keys that mean the user is typing an order: key name -> its character (Tab has none).

`b` / `s` with a default size open the dialog at once. A trader used to `b` opening the form
types the order straight away (`b 26400 Tab 0.01 Enter Enter`, often in one burst): had the
dialog swallowed the digits, the first Enter would place the default size at the cursor's
price, an order nobody typed. So with `typed` given, one of these keys closes the dialog
without placing anything and is handed on to the form."""

TYPE_AHEAD_HINT = "0-9 . / Tab: go on in the form instead"

PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})
"""Keys that still reach the app while the dialog is open: quitting."""


class ConfirmDialog(Container):
    """The dialog; `ask` shows a question, the answer goes to its `answer` callback."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Confirm", id="confirm.yes"),
        Binding("y", "confirm", "Yes", show=False, id="confirm.yes-y"),
        Binding("escape", "abort", "Abort", id="confirm.no"),
        Binding("n", "abort", "No", show=False, id="confirm.no-n"),
        # Never reached through the focus (the dialog takes no focus): the app hands every key
        # to `take_key` as it is read, so a key typed ahead closes the dialog and focuses the
        # form before the next key of a burst is routed.
        *(
            Binding(key, f"type_ahead('{key}')", show=False, id=f"quick.{key}")
            for key in TYPE_AHEAD
        ),
    ]

    question = ""
    """The question shown (or last shown): what a second Enter of a burst is compared with."""
    title_text = ""
    details: tuple[str, ...] = ()
    warning = ""

    _answer: Answer | None = None
    _shown_text: dict[str, str]
    _typed: Callable[[str], None] | None = None

    def compose(self) -> ComposeResult:
        self._shown_text = {}
        with Vertical(id="confirm-box"):
            # Plain text: the question names coins a server chose.
            yield Static(id="confirm-title", markup=False)
            yield Static(id="confirm-question", markup=False)
            yield Static(id="confirm-details", markup=False)
            yield Static(id="confirm-warning", markup=False)
            yield Static(id="confirm-keys", markup=False)

    @property
    def is_open(self) -> bool:
        return self._box_shown

    _box_shown = False

    def _show_box(self, shown: bool) -> None:
        """Show or hide the box, and the dialog's keys alone in the footer while it shows.
        Its visibility, not its display, changes: the holder stays laid out, so only the
        box's cells are drawn (a change of display laid the whole screen out afresh and
        redrew every cell)."""
        self._box_shown = shown
        self.query_one("#confirm-box").styles.visibility = "visible" if shown else "hidden"
        keys = [binding for binding in declared(ConfirmDialog) if binding.show]
        for footer in self.screen.query(FittedFooter):
            footer.show_only(keys if shown else ())

    def ask(
        self,
        question: str,
        answer: Answer,
        *,
        title: str = "Confirm",
        tone: str = "",
        details: Sequence[str] = (),
        warning: str = "",
        typed: Callable[[str], None] | None = None,
    ) -> None:
        """Show `question`; `answer` gets the result. With `typed`, a key of `TYPE_AHEAD`
        closes the dialog (answer None) and is handed to `typed` by name. A question asked
        while another is open aborts that one first."""
        if self.is_open:
            self._close(False)
        self.question = question
        self.title_text = title
        self.details = tuple(details)
        self.warning = warning
        self._answer = answer
        self._typed = typed
        box = self.query_one("#confirm-box", Vertical)
        for name in TONES:
            box.set_class(name == tone, name)
        keys = hint(self.app, ConfirmDialog)
        parts = {
            "#confirm-title": title,
            "#confirm-question": question,
            "#confirm-details": "\n".join(details),
            "#confirm-warning": warning,
            "#confirm-keys": f"{keys}\n{TYPE_AHEAD_HINT}" if typed is not None else keys,
        }
        for selector, text in parts.items():
            if self._shown_text.get(selector) != text:  # an unchanged part is not redrawn
                self._shown_text[selector] = text
                part = self.query_one(selector, Static)
                part.update(text)
                part.display = bool(text)
        self._show_box(True)

    def _close(self, result: bool | None) -> None:
        """Hide, then tell the answer."""
        answer, self._answer = self._answer, None
        self._show_box(False)
        if answer is not None:
            answer(result)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_open:
            return False
        if action == "type_ahead":
            return self._typed is not None
        return True

    async def take_key(self, key: str) -> bool:
        """Act on `key` if the dialog is open: True when the key was the dialog's to take
        (its binding ran, or it does nothing while the dialog is open)."""
        if not self.is_open:
            return False
        if key in PASS_THROUGH:
            return False
        for binding in self._bindings.key_to_bindings.get(key, []):
            action = binding.action.split("(", 1)[0]
            if self.check_action(action, ()):
                await self.run_action(binding.action)
                break
        return True

    def action_confirm(self) -> None:
        self._close(True)

    def action_abort(self) -> None:
        self._close(False)

    def action_type_ahead(self, key: str) -> None:
        """Close without placing (None), then have the key applied in the form."""
        typed = self._typed
        self._close(None)
        if typed is not None:
            typed(key)
