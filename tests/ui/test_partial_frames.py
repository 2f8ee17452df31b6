"""What the terminal shows after many partial frames is what a full render of the screen shows.

The dashboard's compositor renders, for a frame, only the lines that frame writes
(`cdx.ui.line_compositor`). Everything the app wrote is played on a terminal model while a
user moves the cursor, opens the form, types, opens and closes the confirmation over the
panels and places an order; the terminal must end up showing, character for character, the
screen Textual composes from scratch. A line left unpainted or painted from the wrong widget
would stay different for good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from test_cell_diff_screen import Terminal
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot

if TYPE_CHECKING:
    from conftest import Dashboard

SIZE = (120, 40)


class RecordingDriver(HeadlessDriver):
    """Renders as for a real terminal (not headless) and keeps what would be written."""

    written: ClassVar[list[str]] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        RecordingDriver.written.append(data)


def terminal_lines() -> list[str]:
    terminal = Terminal()
    for data in RecordingDriver.written:
        terminal.play(data)
    width, height = SIZE
    return [
        "".join(terminal.cells.get((x, y), (" ", ""))[0] for x in range(width))
        for y in range(height)
    ]


async def same_as_a_full_render(pilot: Pilot, dash: Dashboard, after: str) -> None:
    """The terminal equals a full render once the app has drawn its pending frame."""
    full: list[str] = []
    for _ in range(40):
        await pilot.pause(0.05)
        full = [strip.text for strip in dash.app.screen._compositor.render_strips()]
        if terminal_lines() == full:
            return
    differing = [
        f"{y:2}: {shown!r}\n    {drawn!r}"
        for y, (shown, drawn) in enumerate(zip(terminal_lines(), full, strict=True))
        if shown != drawn
    ]
    raise AssertionError(f"after {after}, lines the terminal shows wrong:\n" + "\n".join(differing))


async def test_partial_frames_leave_the_terminal_as_a_full_render(dashboard: Dashboard) -> None:
    app = dashboard.app
    app.driver_class = RecordingDriver
    RecordingDriver.written = []
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await dashboard.ready(pilot)
        await same_as_a_full_render(pilot, dashboard, "start-up")
        await pilot.press("down", "down", "up", "pagedown")
        await same_as_a_full_render(pilot, dashboard, "moving the ladder's cursor")
        await pilot.press("b", "ctrl+u", *"20000", "tab", *"0.01", "enter")
        assert app.confirm.is_open
        await same_as_a_full_render(pilot, dashboard, "the dialog opened over the panels")
        await pilot.press("escape")
        await same_as_a_full_render(pilot, dashboard, "the dialog closed")
        await pilot.press("enter", "enter")
        await dashboard.until(pilot, lambda: len(dashboard.open_orders()) == 1, "the order")
        await same_as_a_full_render(pilot, dashboard, "placing an order")
        await pilot.press("o", "o")
        await same_as_a_full_render(pilot, dashboard, "the orders tabs")
