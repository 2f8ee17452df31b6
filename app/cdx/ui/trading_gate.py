"""What the dashboard says and refuses when it cannot trade: no API key, or a refused key.

Without keys (`RestClient.read_only`) the trading keys are hidden from the footer and pressing
one says why (`refuse_trading`, a hidden binding of the same keys); the balances panel says so at
once instead of waiting for an account that never comes. A key the exchange refused (wrong key,
secret or IP address; not a clock out of the time window) turns the status bar's mode into KEY
REFUSED, with the reason on the message line and on `?`, and stops trading the same way: the
keys hidden and refused with the reason, the form saying so where the balance would be, no order
sent from a dialog already open. The poller keeps asking, slowly (`REFUSED_POLL_FACTOR`): a key
fixed on the exchange's side is accepted by a later poll, and trading comes back with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from cdx.ui.keys import DASHBOARD_BINDINGS, TRADING_KEYS

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

READ_ONLY_TEXT = "Read-only: no API key set (see README: API keys)"
"""Where the balances would be, and the answer to a trading key, without keys."""

REFUSE = "refuse_trading"

REFUSED_POLL_FACTOR = 5
"""After a refusal the account is asked every this many poll intervals, not every one: each
refused request may count against the key on the exchange's side."""

TRADING_ACTIONS: frozenset[str] = frozenset(
    binding.action.split("(", 1)[0]
    for binding in Binding.make_bindings(DASHBOARD_BINDINGS)
    if binding.key in TRADING_KEYS.split(",") and binding.action != REFUSE
)
"""The dashboard actions bound to a trading key (buy, sell, cancel, ...)."""


def trading_allowed(action: str, read_only: bool) -> bool:
    """False for a trading action without keys (hidden and off), and for the refusal with
    them; True for everything else (the app's other checks still apply)."""
    if action == REFUSE:
        return read_only
    return not (read_only and action in TRADING_ACTIONS)


class TradingGate(_Base):
    """Read-only and refused-key states of the dashboard (a mixin of `DashboardApp`)."""

    key_refusal: str = ""
    """Why the exchange refused the API key, "" while it has not (or accepts it again)."""

    @property
    def trading_off(self) -> bool:
        """No order can be sent: no keys, or the exchange refuses them."""
        return self.read_only or bool(self.key_refusal)

    def show_read_only(self) -> None:
        """Say in the balances panel, from the first frame on, that there is no key."""
        if self.read_only:
            self.balances.border_subtitle = ""
            self.balances.show_problem(READ_ONLY_TEXT, label="")

    def action_refuse_trading(self) -> None:
        """A trading key without usable keys: nothing is sent, and the user is told why."""
        self.notify(self._refused_text() or READ_ONLY_TEXT, severity="warning")

    def _refused_text(self) -> str:
        reason = self.key_refusal
        return f"Not trading (API key refused): {reason}" if reason else ""

    def key_refused(self, reason: str) -> None:
        """The exchange refused the key: KEY REFUSED instead of TRADING, trading off, and why
        (once: the slow polls that follow are refused the same way)."""
        new = reason != self.key_refusal
        self.key_refusal = reason
        self.status_bar.set_mode(self.read_only, refused=reason)
        self.form.set_key_refused(reason)
        self.refresh_bindings()
        if new:
            self.notify(reason, title="API key refused", severity="error")

    def key_accepted(self) -> None:
        """A poll was accepted: if the key had been refused, trading is back, and said so."""
        if not self.key_refusal:
            return
        self.key_refusal = ""
        self.status_bar.set_mode(self.read_only)
        self.form.set_key_refused("")
        self.refresh_bindings()
        self.notify("The exchange accepts the API key again: trading is back", title="API key")

    def refused_key_said(self) -> bool:
        """True (and the reason said) while the key is refused: a path about to send asks."""
        text = self._refused_text()
        if text:
            self.notify(text, title="Order not sent", severity="warning")
        return bool(text)
