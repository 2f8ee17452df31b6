"""The status bar: connection, data age, rate-limit budgets, symbol and trading mode.

One line that tells a user whether what they see can be trusted: stale data, a feed the server
refused, or a nearly spent rate budget is shown in the warning style before it becomes a wrong
decision or a refused order; a key the exchange refused says KEY REFUSED where TRADING would.
What does not fit is shortened (`…`); the whole text is logged as it changes and listed on the
help screen (`full_texts`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
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
(`cdx.client.stream.PING_IDLE_S`), so a healthy link is never this silent; the app looks at
the age when it reaches this (`cdx.ui.idle_look`) or at its next repaint tick, whichever
comes first, so silence is marked as it crosses the line."""

LIVE_TEXT = "data live"
"""What the age shows while the data is current: a constant, so live data costs no writes.

An age counting 0.0s, 0.1s, 0.3s... while the data is fresh tells the user nothing they can
act on (what matters is whether it is within `STALE_AFTER_S`), yet it rewrote the status bar
ten times a second: 5 kB/s on an idle screen over SSH. Past the threshold the age is shown in
whole seconds (`stale 3s`), which changes once a second and says how far behind the data is.
"""

MIN_SHORTENED = 12
"""A reason is shortened to no fewer characters than this; with less room it is dropped."""

KEY_REFUSED = "KEY REFUSED"
"""The mode once the exchange refused the API key (wrong key, secret or IP address)."""

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
        "status-bar--refused",
    }

    connection: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    feed_problem: reactive[str] = reactive("")
    """A feed the server refused, as one line ("ladder feed refused: ...; retrying")."""
    age_text: reactive[str] = reactive("no data")
    """The data age as shown: only a change of this text repaints, not every new age."""
    data_age: float | None = None
    """Seconds since the last market data arrived, None before any did (see `set_data_age`)."""
    not_live: bool = False
    """The data is stale by the trading rule whatever its age (see `set_data_age`)."""
    symbol: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(True)
    refused: reactive[str] = reactive("")
    """Why the exchange refused the API key, "" while it has not."""
    budgets: reactive[tuple[tuple[str, int, int], ...]] = reactive(())
    """(group, remaining, limit) per rate-limit group."""

    def set_connection(self, state: str, detail: str = "") -> None:
        """The stream's connection state (a `ConnectionState` or its name) and why."""
        self.connection = str(getattr(state, "value", state)).lower()
        self.detail = detail

    def set_data_age(self, seconds: float | None, *, stale: bool = False) -> None:
        """Seconds since the last market data arrived, None before any did; `stale` when the
        data is not fit to trade from (the one rule, `cdx.ui.stale`: the link down, a refused
        feed, an old book), so the age is never called live while the ticker says STALE.

        Called on every tick of the app's timer; repaints only when the text shown changes,
        which is never while the data is live (see `LIVE_TEXT`).
        """
        self.data_age = seconds
        self.not_live = stale
        self.set_class(self.stale and seconds is not None, "-stale")
        self.age_text = age_text(seconds, stale=stale)

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

    def set_mode(self, read_only: bool, *, refused: str = "") -> None:
        """READ-ONLY without API keys, TRADING with them, KEY REFUSED (and why) once the
        exchange refused them."""
        self.read_only = read_only
        self.refused = refused

    def watch_detail(self, text: str) -> None:
        if text:
            log.info("status: %s %s", self.connection, text)

    def watch_feed_problem(self, text: str) -> None:
        if text:
            log.info("status: %s", text)

    def full_texts(self) -> list[tuple[str, str]]:
        """(label, whole text) of each part of the line, for the help screen."""
        texts = [("Connection", " ".join(filter(None, [self.connection, self.detail])))]
        if self.feed_problem:
            texts.append(("Feed", self.feed_problem))
        texts.append(("Data", self.age_text))
        if self.refused:
            mode = f"{KEY_REFUSED}: {self.refused}"
        else:
            mode = "READ-ONLY: no API key set" if self.read_only else "TRADING"
        texts.append(("Mode", mode))
        return texts

    @property
    def stale(self) -> bool:
        """Whether the data is older than `STALE_AFTER_S`, not live by the trading rule, or
        none has arrived."""
        return self.not_live or self.data_age is None or self.data_age > STALE_AFTER_S

    def render(self) -> Text:
        style = self.get_component_rich_style
        label = style("status-bar--label")
        # (priority, pieces): lower priority numbers are dropped first.
        parts: list[tuple[int, list[tuple[str, Style]]]] = []
        shortenable = (1, 7)  # the detail and the refused feed: reasons, read whole on `?`
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
        parts.append((10, [self._mode(style)]))
        fit(parts, self.size.width, shortenable)
        line = Text(" ", no_wrap=True, overflow="crop", end="")
        for index, (_, pieces) in enumerate(parts):
            if index:
                line.append(SEPARATOR, label)
            for text, piece_style in pieces:
                line.append(text, piece_style)
        return line

    def _mode(self, style: Callable[[str], Style]) -> tuple[str, Style]:
        if self.refused:
            return KEY_REFUSED, style("status-bar--refused")
        if self.read_only:
            return "READ-ONLY", style("status-bar--read-only")
        return "TRADING", style("status-bar--trading")


SEPARATOR = "  "

Part = tuple[int, list[tuple[str, Style]]]
"""(priority, pieces of text and their styles): lower priorities give way first."""


def fit(parts: list[Part], width: int, shortenable: tuple[int, ...]) -> None:
    """Make `parts` fit `width` cells (with a leading space and separators), in place.

    The lowest priority gives way first: shortened with `…` if it is a reason (its priority in
    `shortenable`) and at least `MIN_SHORTENED` characters of it fit, else dropped. The
    highest-priority part always stays.
    """

    def length() -> int:
        body = sum(len(text) for _, pieces in parts for text, _ in pieces)
        return 1 + body + len(SEPARATOR) * (len(parts) - 1)

    while len(parts) > 1 and length() > width:
        lowest = min(parts, key=lambda part: part[0])
        priority, pieces = lowest
        if priority in shortenable and len(pieces) == 1:
            text, piece_style = pieces[0]
            room = len(text) - (length() - width)
            if room >= MIN_SHORTENED:
                pieces[0] = (text[: room - 1] + "…", piece_style)
                continue
        parts.remove(lowest)


def age_text(seconds: float | None, *, stale: bool = False) -> str:
    """The data age as shown: `no data`, `data live` within `STALE_AFTER_S` unless `stale`,
    else the age in whole seconds (`stale 0s`, `stale 17s`, `stale 3m05s`), so the text
    changes at most once a second."""
    if seconds is None:
        return "no data"
    if seconds <= STALE_AFTER_S and not stale:
        return LIVE_TEXT
    return f"stale {fmt_seconds(seconds) if seconds >= 10 else f'{int(seconds)}s'}"
