"""The `?` screen: the status and the recent messages in full, then every key binding of the
app and its widgets, generated from BINDINGS.

Nothing here is hand-written, so the help can never disagree with what the keys do. The message
line and the status bar shorten what does not fit; this is where the whole text is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Static

from cdx.ui.format import fmt_seconds
from cdx.ui.keys import declared, hint, key_label
from cdx.ui.notices import Notice
from cdx.ui.screens.backdrop import DialogScreen
from cdx.ui.screens.symbol_picker import SymbolPicker
from cdx.ui.widgets.confirm_dialog import ConfirmDialog


def binding_sections(app: App[object]) -> list[tuple[str, list[Binding]]]:
    """(section title, bindings) for the app, each of our widget types on the main screen,
    and the dialogs, in that order."""
    sections: list[tuple[str, list[Binding]]] = [("Everywhere", declared(type(app)))]
    seen: set[type[DOMNode]] = {type(app), ConfirmDialog}  # listed with the dialogs
    main = app.screen_stack[0] if app.screen_stack else app.screen
    for node in [main, *main.walk_children()]:
        owner = type(node)
        if owner in seen or not owner.__module__.startswith("cdx."):
            continue
        seen.add(owner)
        bindings = declared(owner)
        if bindings:
            sections.append((f"{_words(owner.__name__)} (when focused)", bindings))
    for dialog, name in ((ConfirmDialog, "Confirm dialog"), (SymbolPicker, "Symbol picker dialog")):
        sections.append((name, declared(dialog)))
    return sections


def _ago(seconds: float) -> str:
    """How long ago a message was told: `now`, `42s ago`, `3m05s ago`."""
    return "now" if seconds < 1 else f"{fmt_seconds(seconds)} ago"


def _words(name: str) -> str:
    """`OpenOrders` -> `Open orders`."""
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced[:1].upper() + spaced[1:]


SEVERITY_STYLE: dict[str, str] = {"information": "", "warning": "bold yellow", "error": "bold red"}
"""How a message's severity is marked in the list (the message line's colours, in words)."""


class HelpScreen(DialogScreen[None]):
    """Lists the status in full (`status`: label and text), the `notices` (newest first,
    their age counted from `now` on the app's clock) and every binding; Escape, `q` or `?`
    closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False, id="help.close-q"),
        Binding("question_mark", "close", "Close", key_display="?", show=False, id="help.close-?"),
    ]

    def __init__(
        self,
        notices: Sequence[Notice] = (),
        *,
        now: float = 0.0,
        status: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self.notices = tuple(notices)
        self.now = now
        self.status = tuple(status)
        self.rows: list[tuple[str, str]] = []
        """(key, description) as shown; a section title has an empty key."""
        self.messages: list[str] = []
        """The status and message lines as shown, whole."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            if self.status or self.notices:
                yield Static(self._news(), id="help-news")
            yield Static(self._table(), id="help-table")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = f"Help ({hint(self.app, HelpScreen)})"

    def _news(self) -> Table:
        """The status, then the recent messages, each whole (wrapped, never cut)."""
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        if self.status:
            table.add_row("", Text("Status", style="bold underline"))
            for label, text in self.status:
                table.add_row(label, Text(text))
                self.messages.append(f"{label}: {text}")
        if self.notices:
            table.add_row("", Text("Recent messages (newest first)", style="bold underline"))
            for notice in self.notices:
                line = notice.line + (f"  ×{notice.repeats}" if notice.repeats > 1 else "")
                table.add_row(
                    _ago(self.now - notice.at), Text(line, SEVERITY_STYLE[notice.severity])
                )
                self.messages.append(line)
        table.add_row("", "")
        return table

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold")
        table.add_column()
        for title, bindings in binding_sections(self.app):
            table.add_row("", Text(title, style="bold underline"))
            self.rows.append(("", title))
            for binding in bindings:
                key = key_label(self.app, binding)
                table.add_row(key, binding.description)
                self.rows.append((key, binding.description))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
