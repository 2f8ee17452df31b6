"""Where the dashboard's messages go: one line of the screen, the log, and the `?` screen.

Textual shows a notification as a toast over the bottom right of the screen, which is where the
open orders' State and Id columns are. `NoticeDesk` (mixed into `DashboardApp`) routes every
`notify` to the message line above the status bar instead (`MessageLine`), which no panel
shares: it shows the newest message shortened to fit, and the help screen lists the last
messages in full (`cdx.ui.notices`). Every message is logged, whole, as it is shown.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.notifications import SeverityLevel

from cdx.ui.format import fmt_text
from cdx.ui.notices import MAX_MESSAGE, Notice
from cdx.ui.screens.help import HelpScreen
from cdx.ui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from cdx.ui.app import DashboardApp

    _Base = DashboardApp
else:
    _Base = object

log = logging.getLogger(__name__)


class NoticeDesk(_Base):
    """`notify` onto the message line, and the help screen with the recent messages (a mixin
    of `DashboardApp`)."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Show a message on the message line (Textual's signature, so any caller works).

        Always plain text: messages carry server words (a refusal, a coin name), and markup in
        them would be interpreted (`[@click=...]`) or fail to parse. `timeout` is how long the
        line shows it (default by severity: an error stays until the next message or
        `LINGER_S`). Before the line exists (or after it is gone) it falls back to a toast.
        """
        text, heading = fmt_text(str(message), MAX_MESSAGE), fmt_text(title, 80)
        log.info("message (%s): %s", severity, f"{heading}: {text}" if heading else text)
        line = self.message_line
        if line is None:
            super().notify(text, title=heading, severity=severity, timeout=timeout, markup=False)
            return
        line.post(severity, heading, text, timeout)

    def clear_notifications(self) -> None:
        """Clear the message line too (its history stays for `?`)."""
        line = self.message_line
        if line is not None:
            line.clear()
        super().clear_notifications()

    @property
    def message_line(self) -> MessageLine | None:
        """The main screen's message line, if it is there."""
        if not self.screen_stack:
            return None
        try:
            return self.screen_stack[0].query_one(MessageLine)
        except NoMatches:
            return None

    def told(self, title_part: str = "") -> list[Notice]:
        """The messages still in the history whose title contains `title_part`, oldest
        first, a repeated one listed once per time it was told: what the user was told, in
        full (`?` lists the same), and what a test reads of it."""
        line = self.message_line
        notices = reversed(line.notices.recent()) if line is not None else ()
        return [n for n in notices if title_part in n.title for _ in range(n.repeats)]

    def action_help(self) -> None:
        """Every key, the status in full and the recent messages in full."""
        line = self.message_line
        recent = line.notices.recent() if line is not None else ()
        status = self.status_bar.full_texts()
        self.push_screen(HelpScreen(recent, now=self.clock(), status=status))
