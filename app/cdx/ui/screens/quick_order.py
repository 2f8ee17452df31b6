"""The confirmation `b` / `s` open at once with a default size, which gives way to typing.

A trader used to `b` opening the form types the order straight away (`b 26400 Tab 0.01 Enter
Enter`, often in one burst). Had the dialog swallowed the digits, the first Enter would place
the default size at the cursor's price: an order nobody typed. So a digit, `.` or Tab typed
here means "I am typing an order": the dialog closes without placing anything and the key is
handed back (`typed`) for the app to apply in the form, as the form would have taken it.

The keys are priority bindings: they run as the key is read, so the dialog is gone and the form
focused before the next key of a burst is routed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static

from cdx.ui.keys import hint
from cdx.ui.screens.confirm import ConfirmScreen

TYPE_AHEAD: dict[str, str | None] = {
    **{digit: digit for digit in "0123456789"},
    "full_stop": ".",
    "tab": None,
}
"""Keys that mean the user is typing an order: key name -> its character (Tab has none)."""

TYPE_AHEAD_HINT = "0-9 . / Tab: go on in the form instead"


class QuickOrderScreen(ConfirmScreen):
    """A `ConfirmScreen` for an order sent without the form; typing ahead closes it with the
    result None and calls `typed(key)` with the key's name (one of `TYPE_AHEAD`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"type_ahead('{key}')", show=False, priority=True, id=f"quick.type-{key}")
        for key in TYPE_AHEAD
    ]

    def __init__(
        self,
        question: str,
        typed: Callable[[str], None],
        *,
        title: str = "Confirm",
        tone: str = "",
        details: Sequence[str] = (),
        warning: str = "",
    ) -> None:
        super().__init__(question, title=title, tone=tone, details=details, warning=warning)
        self._typed = typed

    def on_mount(self) -> None:
        keys = f"{hint(self.app, ConfirmScreen)}\n{TYPE_AHEAD_HINT}"
        self.query_one("#confirm-keys", Static).update(keys)

    def action_type_ahead(self, key: str) -> None:
        """Close without placing (None), then have the key applied in the form."""
        self.dismiss(None)
        self._typed(key)
