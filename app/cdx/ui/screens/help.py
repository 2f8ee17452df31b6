"""The `?` screen: every key binding of the app and its widgets, generated from BINDINGS.

Nothing here is hand-written, so the help can never disagree with what the keys do.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from cdx.ui.keys import declared, hint, key_label
from cdx.ui.screens.confirm import ConfirmScreen
from cdx.ui.screens.symbol_picker import SymbolPicker


def binding_sections(app: App[object]) -> list[tuple[str, list[Binding]]]:
    """(section title, bindings) for the app, each of our widget types on the main screen,
    and the dialogs, in that order."""
    sections: list[tuple[str, list[Binding]]] = [("Everywhere", declared(type(app)))]
    seen: set[type[DOMNode]] = {type(app)}
    main = app.screen_stack[0] if app.screen_stack else app.screen
    for node in [main, *main.walk_children()]:
        owner = type(node)
        if owner in seen or not owner.__module__.startswith("cdx."):
            continue
        seen.add(owner)
        bindings = declared(owner)
        if bindings:
            sections.append((f"{_words(owner.__name__)} (when focused)", bindings))
    for dialog in (ConfirmScreen, SymbolPicker):
        sections.append((f"{_words(dialog.__name__)} dialog", declared(dialog)))
    return sections


def _words(name: str) -> str:
    """`OpenOrders` -> `Open orders`."""
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced[:1].upper() + spaced[1:]


class HelpScreen(ModalScreen[None]):
    """Lists every binding; Escape, `q` or `?` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False, id="help.close-q"),
        Binding("question_mark", "close", "Close", key_display="?", show=False, id="help.close-?"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
        """(key, description) as shown; a section title has an empty key."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._table(), id="help-table")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = f"Keys ({hint(self.app, HelpScreen)})"

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
