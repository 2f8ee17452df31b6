"""Plain text that wraps to its width and, when its `max-height` has fewer lines than the text
needs, says so: the last line shown ends with `… (? more)`.

The order form's message line is one: an exchange's refusal is often longer than the form is
wide, and at 80x24 the form cannot grow without pushing the open orders off the screen. The
whole text is on the help screen (the refusal is also a message: `cdx.ui.notice_desk`).
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widgets import Static

from cdx.ui.widgets.message_line import MORE


class ClampedText(Static):
    """A `Static` of plain text (never markup) whose cut is marked, never silent."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line when empty (the form does not jump), else as many as the text wraps to."""
        return max(1, len(self._lines(width)))

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        lines = self._lines(width)
        if height <= 0 or len(lines) <= height:
            return Text(str(self.content), end="")  # it fits: wrapped as any text
        lines = lines[:height]
        room = max(width - len(MORE) - 1, 0)
        lines[-1] = lines[-1][:room] + "…" + MORE
        return Text("\n".join(lines), end="")

    def _lines(self, width: int) -> list[str]:
        text = str(self.content)
        if not text or width <= 0:
            return [text] if text else []
        wrapped = Text(text).wrap(self.app.console, width)
        return [line.plain.rstrip() for line in wrapped]
