"""The status bar: connection, data age, rate-limit budgets, symbol and trading mode.

One line that tells a user whether what they see can be trusted: stale data, a feed the server
refused, or a nearly spent rate budget is shown in the warning style before it becomes a wrong
decision or a refused order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from cdx.ui.format import fmt_seconds

if TYPE_CHECKING:
    from cdx.client.ratelimit import Budget

log = logging.getLogger(__name__)

STALE_AFTER_S = 1.0
"""Data older than this is shown as stale. The stream pings a quiet server after 0.5 s
(`cdx.client.stream.PING_IDLE_S`), so a healthy link is never this silent; the app checks ten
times a second, so silence is marked at most 0.1 s after this."""

LIVE_TEXT = "data live"
"""What the age shows while the data is current: a constant, so live data costs no writes.

An age counting 0.0s, 0.1s, 0.3s... while the data is fresh tells the user nothing they can
act on (what matters is whether it is within `STALE_AFTER_S`), yet it rewrote the status bar
ten times a second: 5 kB/s on an idle screen over SSH. Past the threshold the age is shown in
whole seconds (`stale 3s`), which changes once a second and says how far behind the data is.
"""

LOW_BUDGET_FRACTION = 0.2
"""A group with at most this fraction of its limit left is shown in the warning style."""

GROUP_LABELS: dict[str, str] = {"market": "mkt", "account": "acct", "order": "ord"}
"""Short names of the rate-limit groups (PROTOCOL.md section 4)."""

_STATE_CLASS: dict[str, str] = {
    "connected": "status-bar--ok",
    "connecting": "status-bar--warn",
    "reconnecting": "status-bar--warn",
}


class StatusBar(Widget):
    """Connection state, data age, rate budget per group, symbol, TRADING or READ-ONLY.

    Pieces are dropped by priority when the line is too narrow: the detail first, then the
    budgets, the symbol and a refused feed, so the state, the age and the mode always show.
    """

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--label",
        "status-bar--ok",
        "status-bar--warn",
        "status-bar--error",
        "status-bar--symbol",
        "status-bar--trading",
        "status-bar--read-only",
    }

    connection: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    feed_problem: reactive[str] = reactive("")
    """A feed the server refused, as one line ("ladder feed refused: ...; retrying")."""
    age_text: reactive[str] = reactive("no data")
    """The data age as shown: only a change of this text repaints, not every new age."""
    data_age: float | None = None
    """Seconds since the last market data arrived, None before any did (see `set_data_age`)."""
    symbol: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(True)
    budgets: reactive[tuple[tuple[str, int, int], ...]] = reactive(())
    """(group, remaining, limit) per rate-limit group."""

    def set_connection(self, state: str, detail: str = "") -> None:
        """The stream's connection state (a `ConnectionState` or its name) and why."""
        self.connection = str(getattr(state, "value", state)).lower()
        self.detail = detail

    def set_data_age(self, seconds: float | None) -> None:
        """Seconds since the last market data arrived, None before any did.

        Called on every tick of the app's timer; repaints only when the text shown changes,
        which is never while the data is live (see `LIVE_TEXT`).
        """
        self.data_age = seconds
        stale = seconds is not None and seconds > STALE_AFTER_S
        self.set_class(stale, "-stale")
        self.age_text = age_text(seconds)

    def set_feed_problem(self, text: str) -> None:
        """A refused feed to name (see `MarketState.feed_problem`), or "" when there is none."""
        self.feed_problem = text

    def set_budgets(self, budgets: Mapping[str, Budget]) -> None:
        """What each rate-limit group has left in its current window."""
        self.budgets = tuple(
            (budget.group, budget.remaining, budget.limit) for budget in budgets.values()
        )

    def set_symbol(self, name: str) -> None:
        self.symbol = name

    def set_mode(self, read_only: bool) -> None:
        """READ-ONLY without API keys, TRADING with them."""
        self.read_only = read_only

    @property
    def stale(self) -> bool:
        """Whether the data is older than `STALE_AFTER_S` (or none has arrived)."""
        return self.data_age is None or self.data_age > STALE_AFTER_S

    def render(self) -> Text:
        style = self.get_component_rich_style
        label = style("status-bar--label")
        # (priority, pieces): lower priority numbers are dropped first.
        parts: list[tuple[int, list[tuple[str, Style]]]] = []
        warn = style("status-bar--warn")
        state_class = _STATE_CLASS.get(self.connection, "status-bar--error")
        if self.feed_problem and state_class == "status-bar--ok":
            state_class = "status-bar--warn"  # connected, but not to everything shown
        parts.append((9, [(f"● {self.connection.upper()}", style(state_class))]))
        if self.detail:
            parts.append((1, [(self.detail, label)]))
        live = self.data_age is not None and not self.stale
        parts.append((8, [(self.age_text, label if live else warn)]))
        if self.feed_problem:
            parts.append((7, [(self.feed_problem, warn)]))
        budget_pieces: list[tuple[str, Style]] = []
        for group, remaining, limit in self.budgets:
            low = remaining <= limit * LOW_BUDGET_FRACTION
            if budget_pieces:
                budget_pieces.append((" ", label))
            budget_pieces.append((f"{GROUP_LABELS.get(group, group)} ", label))
            budget_pieces.append(
                (f"{remaining}/{limit}", style("status-bar--warn" if low else "status-bar--ok"))
            )
        if budget_pieces:
            parts.append((5, budget_pieces))
        if self.symbol:
            parts.append((6, [(self.symbol.upper(), style("status-bar--symbol"))]))
        mode = (
            ("READ-ONLY", "status-bar--read-only")
            if self.read_only
            else ("TRADING", "status-bar--trading")
        )
        parts.append((10, [(mode[0], style(mode[1]))]))

        width = self.size.width
        separator = "  "

        def length(chosen: list[tuple[int, list[tuple[str, Style]]]]) -> int:
            body = sum(len(text) for _, pieces in chosen for text, _ in pieces)
            return 1 + body + len(separator) * (len(chosen) - 1)

        while len(parts) > 1 and length(parts) > width:
            parts.remove(min(parts, key=lambda part: part[0]))
        line = Text(" ", no_wrap=True, overflow="crop", end="")
        for index, (_, pieces) in enumerate(parts):
            if index:
                line.append(separator, label)
            for text, piece_style in pieces:
                line.append(text, piece_style)
        return line


def age_text(seconds: float | None) -> str:
    """The data age as shown: `no data`, `data live` within `STALE_AFTER_S`, else the age in
    whole seconds (`stale 1s`, `stale 17s`, `stale 3m05s`), so the text changes at most once a
    second."""
    if seconds is None:
        return "no data"
    if seconds <= STALE_AFTER_S:
        return LIVE_TEXT
    return f"stale {fmt_seconds(seconds) if seconds >= 10 else f'{int(seconds)}s'}"
