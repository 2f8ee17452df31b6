"""Messages as the user was told them: what the message line shows and `?` lists in full.

Pure values and a bounded history, stamped by an injectable clock; `cdx.ui.notice_desk` routes
`notify` here and `cdx.ui.widgets.message_line` draws the newest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from textual.notifications import SeverityLevel

RECENT = 20
"""How many messages the help screen lists in full."""

MAX_MESSAGE = 500
"""Characters kept of one message: whole refusals fit; a server's novel is cut (marked)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One message as the user was told it; `at` is the app's clock, `repeats` how many
    times in a row it was told (a repeat is counted, not listed again)."""

    severity: SeverityLevel
    title: str
    text: str
    at: float
    repeats: int = 1

    @property
    def line(self) -> str:
        """`title: text`, or the text alone."""
        return f"{self.title}: {self.text}" if self.title else self.text


class NoticeLog:
    """The last `size` notices, newest first; `clock` stamps them (injectable for tests)."""

    def __init__(self, clock: Callable[[], float], size: int = RECENT) -> None:
        self._clock = clock
        self._notices: deque[Notice] = deque(maxlen=size)

    def add(self, severity: SeverityLevel, title: str, text: str) -> Notice:
        """Record a message; the same message again bumps the newest one's count."""
        now = self._clock()
        newest = self._notices[0] if self._notices else None
        if newest is not None and (newest.severity, newest.title, newest.text) == (
            severity,
            title,
            text,
        ):
            notice = replace(newest, at=now, repeats=newest.repeats + 1)
            self._notices[0] = notice
        else:
            notice = Notice(severity, title, text, now)
            self._notices.appendleft(notice)
        return notice

    def recent(self) -> tuple[Notice, ...]:
        """Newest first."""
        return tuple(self._notices)
