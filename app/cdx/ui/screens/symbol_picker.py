"""Pick a symbol by typing part of its name (`/`).

Typing filters the list; up/down move the highlight; Enter picks the highlighted symbol (the
first match by default); Escape leaves without changing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from cdx.model.symbol import Symbol
from cdx.ui.format import fmt_text
from cdx.ui.keys import hint
from cdx.ui.screens.backdrop import DialogScreen


class SymbolPicker(DialogScreen[str | None]):
    """Returns the chosen symbol's name, or None when aborted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Pick", id="picker.pick"),
        Binding("escape", "abort", "Abort", id="picker.abort"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id="picker.previous"),
    ]

    def __init__(self, symbols: Sequence[Symbol], current: str = "") -> None:
        super().__init__()
        self.symbols = tuple(symbols)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            keys = hint(self.app, SymbolPicker, "picker.pick")
            yield Static(f"Symbol (type to filter, {keys})", id="picker-title", markup=False)
            yield Input(placeholder="e.g. eth", id="picker-filter")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-filter", Input).focus()

    def matches(self, text: str) -> list[Symbol]:
        """Symbols whose name or coins contain `text` (case-insensitive), in listing order."""
        needle = text.strip().lower().replace("/", "")
        return [
            s for s in self.symbols if needle in s.name or needle in s.base or needle in s.quote
        ]

    def _fill(self, text: str) -> None:
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        found = self.matches(text)
        # Plain text, never markup: the names are a server's.
        options.add_options(
            Option(Text(fmt_text(f"{s.base.upper()}/{s.quote.upper()}  {s.name}", 60)), id=s.name)
            for s in found
        )
        if found:
            names = [s.name for s in found]
            options.highlighted = names.index(self.current) if self.current in names else 0
            if text:
                options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.option_count == 0:
            return
        current = options.highlighted if options.highlighted is not None else -delta
        options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_abort(self) -> None:
        self.dismiss(None)

    def action_pick(self) -> None:
        """Enter: the highlighted symbol (the filter field submits the same way)."""
        self._pick()

    def _pick(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.highlighted is None or options.option_count == 0:
            self.notify("No symbol matches", severity="warning")
            return
        self.dismiss(options.get_option_at_index(options.highlighted).id)
