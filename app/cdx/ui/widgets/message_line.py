"""The message line: the newest message, in a row of its own above the status bar.

It replaces Textual's toasts, which covered the open orders' last columns. The row is reserved
(no panel is ever drawn there), the message is coloured by severity and shortened to fit with a
pointer to `?`, where the last messages are listed in full (`MessageLine.notices`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from cdx.ui.notices import Notice, NoticeLog
from cdx.ui.widgets.contained import Contained

LINGER_S: dict[str, float] = {"information": 6.0, "warning": 12.0, "error": 60.0}
"""How long a message stays on the line unless its sender chose (or the next one replaces it):
an error long enough to be read after looking away, information briefly."""

MORE = " (? more)"
"""Appended to a shortened message: the whole of it is on the help screen."""


class MessageLine(Contained, Widget):
    """One line: the newest message (`title: text`, `×N` when repeated), or nothing."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "message-line--information",
        "message-line--warning",
        "message-line--error",
    }

    shown: reactive[Notice | None] = reactive(None)
    """The message on the line, None once it timed out or was cleared."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notices = NoticeLog(clock)
        """Every message posted here, the newest first (the help screen lists them)."""
        self._expiry: Timer | None = None

    def post(
        self, severity: SeverityLevel, title: str, text: str, timeout: float | None = None
    ) -> Notice:
        """Show a message now (it replaces the one shown) for `timeout` seconds."""
        notice = self.notices.add(severity, title, text)
        self.shown = notice
        if self._expiry is not None:
            self._expiry.stop()
        linger = timeout if timeout is not None else LINGER_S.get(severity, LINGER_S["error"])
        self._expiry = self.set_timer(linger, self.clear) if self.is_mounted else None
        return notice

    def clear(self) -> None:
        """Nothing on the line (the message stays in `notices`)."""
        if self._expiry is not None:
            self._expiry.stop()
            self._expiry = None
        self.shown = None

    def watch_shown(self, notice: Notice | None) -> None:
        """The line itself is tinted while an error is shown, so it is seen from afar."""
        self.set_class(notice is not None and notice.severity == "error", "-error")

    @property
    def cut(self) -> bool:
        """Whether the message shown was shortened to fit."""
        notice = self.shown
        return notice is not None and len(_words(notice)) > max(self.size.width - 1, 0)

    def render(self) -> Text:
        notice = self.shown
        if notice is None:
            return Text("", end="")
        style = self.get_component_rich_style(f"message-line--{notice.severity}")
        words = _words(notice)
        room = self.size.width - 1
        if room > 0 and len(words) > room:
            words = words[: max(room - len(MORE) - 1, 0)] + "…" + MORE
        return Text(f" {words}", style=style, no_wrap=True, overflow="crop", end="")


def _words(notice: Notice) -> str:
    """What the line says for `notice`, before it is shortened."""
    repeats = f"  ×{notice.repeats}" if notice.repeats > 1 else ""
    return f"{notice.line}{repeats}"
