"""The `?` screen: every key binding of the app and its widgets, generated from BINDINGS.

Nothing here is hand-written, so the help can never disagree with what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from cdx.ui.screens.confirm import ConfirmScreen
from cdx.ui.screens.symbol_picker import SymbolPicker


def _bindings(owner: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares itself (not those it inherits from Textual)."""
    declared: Iterable[BindingType] = owner.__dict__.get("BINDINGS", [])
    return [binding for binding in Binding.make_bindings(declared) if binding.description]


def key_label(app: App[object], key: str) -> str:
    """A key as the footer shows it (`ctrl+p` -> `^p`), keeping single characters as typed."""
    names = {"enter": "Enter", "escape": "Esc", "tab": "Tab", "shift+tab": "Shift+Tab"}
    return ", ".join(names.get(k) or app.get_key_display(Binding(k, "")) for k in key.split(","))


def binding_sections(app: App[object]) -> list[tuple[str, list[Binding]]]:
    """(section title, bindings) for the app, each of our widget types on the main screen,
    and the dialogs, in that order."""
    sections: list[tuple[str, list[Binding]]] = [("Everywhere", _bindings(type(app)))]
    seen: set[type[DOMNode]] = {type(app)}
    main = app.screen_stack[0] if app.screen_stack else app.screen
    for node in [main, *main.walk_children()]:
        owner = type(node)
        if owner in seen or not owner.__module__.startswith("cdx."):
            continue
        seen.add(owner)
        bindings = _bindings(owner)
        if bindings:
            sections.append((f"{_words(owner.__name__)} (when focused)", bindings))
    for dialog in (ConfirmScreen, SymbolPicker):
        sections.append((f"{_words(dialog.__name__)} dialog", _bindings(dialog)))
    return sections


def _words(name: str) -> str:
    """`OpenOrders` -> `Open orders`."""
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced[:1].upper() + spaced[1:]


class HelpScreen(ModalScreen[None]):
    """Lists every binding; Escape, `q` or `?` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str]] = []
        """(key, description) as shown; a section title has an empty key."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._table(), id="help-table")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "Keys (Escape closes)"

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold")
        table.add_column()
        for title, bindings in binding_sections(self.app):
            table.add_row("", Text(title, style="bold underline"))
            self.rows.append(("", title))
            for binding in bindings:
                key = key_label(self.app, binding.key)
                table.add_row(key, binding.description)
                self.rows.append((key, binding.description))
        return table

    def action_close(self) -> None:
        self.dismiss(None)
