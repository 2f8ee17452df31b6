"""Command palette entries (`ctrl+p`): every dashboard key binding, the settings that ask for
a value (the default size), and one per symbol.

The palette is the discoverable twin of the key bindings: a user who forgot a key types what
they want ("sell", "eth", "coarser") and the same action runs. The entries are the app's own
bindings (each has an id, and its tooltip is the entry's title), so a key added, changed or
removed there is added, changed or removed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from cdx.ui.format import fmt_text
from cdx.ui.keys import key_label
from cdx.ui.trading_gate import trading_allowed

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

Entry = tuple[str, Callable[[], object], str]
"""(title, callback, help) of one palette entry."""


def binding_entries(app: DashboardApp) -> Iterator[Entry]:
    """One entry per app binding with an id and a tooltip; the palette's own key is left out,
    and so are the trading keys when the dashboard is read-only."""
    for binding in Binding.make_bindings(type(app).BINDINGS):
        if binding.id is None or not binding.tooltip or binding.action == "command_palette":
            continue
        if not trading_allowed(binding.action.split("(", 1)[0], app.trading_off):
            continue  # without keys the palette offers no trading, as the footer does not
        key = key_label(app, binding)
        yield binding.tooltip, partial(app.run_action, binding.action), f"key {key}"


def setting_entries(app: DashboardApp) -> Iterator[Entry]:
    """Settings that ask for a value (no key of their own)."""
    yield (
        "Default size…",
        app.action_default_size,
        "Amount that b / s on a ladder row trade after one confirmation",
    )


def symbol_entries(app: DashboardApp) -> Iterator[Entry]:
    """One entry per listed symbol: show it."""
    for name, symbol in getattr(app, "symbols", {}).items():
        title = fmt_text(f"Symbol {symbol.base.upper()}/{symbol.quote.upper()} ({name})", 60)
        yield title, partial(app.switch_symbol, name), f"Show {name}"


class DashboardCommands(Provider):
    """Dashboard actions and symbol switches for the command palette."""

    def _entries(self) -> list[Entry]:
        app: DashboardApp = self.app  # type: ignore[assignment]
        return [*binding_entries(app), *setting_entries(app), *symbol_entries(app)]

    async def discover(self) -> Hits:
        for title, callback, help_text in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
