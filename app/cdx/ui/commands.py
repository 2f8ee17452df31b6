"""Command palette entries (`ctrl+p`): every dashboard action, and one per symbol.

The palette is the discoverable twin of the key bindings: a user who forgot a key types what
they want ("sell", "eth", "coarser") and the same action runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cdx.ui.format import fmt_text

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Limit buy", "limit('BUY')", "Open the order form to buy at a price (b)"),
    ("Limit sell", "limit('SELL')", "Open the order form to sell at a price (s)"),
    ("Market buy", "market('BUY')", "Buy at market, amount in the quote coin (B)"),
    ("Market sell", "market('SELL')", "Sell at market (S)"),
    ("Cancel selected order", "cancel", "Cancel the order under the cursor (c)"),
    ("Cancel all orders", "cancel_all", "Cancel every order of the symbol (C)"),
    ("Coarser depth step", "step(1)", "Aggregate the ladder more (])"),
    ("Finer depth step", "step(-1)", "Aggregate the ladder less ([)"),
    ("Pick symbol", "pick_symbol", "Type to filter the symbol list (/)"),
    ("Help: key bindings", "help", "Every key of the dashboard (?)"),
    ("Quit", "quit", "Leave cdx (q)"),
)
"""(title, action string, help) of each palette entry; actions run on the app."""


class DashboardCommands(Provider):
    """Dashboard actions and symbol switches for the command palette."""

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        app: DashboardApp = self.app  # type: ignore[assignment]
        entries: list[tuple[str, Callable[[], object], str]] = [
            (title, partial(app.run_action, action), help_text)
            for title, action, help_text in ACTIONS
        ]
        for name, symbol in getattr(app, "symbols", {}).items():
            entries.append(
                (
                    fmt_text(f"Symbol {symbol.base.upper()}/{symbol.quote.upper()} ({name})", 60),
                    partial(app.switch_symbol, name),
                    f"Show {name}",
                )
            )
        return entries

    async def discover(self) -> Hits:
        for title, callback, help_text in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
