"""Waiting in pilot tests as a user waits for the screen: for a condition, never for a fixed
time, with one overall deadline that only a failing test ever reaches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot

WAIT_S = 15.0
"""The overall deadline: generous, since a loaded machine is slow and only failures wait it."""


async def until(
    pilot: Pilot, condition: Callable[[], object], what: str, timeout: float = WAIT_S
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` s, with
    what the user had been told and what the screen showed, so a failure seen once in CI
    explains itself."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}\n{seen_by_user(pilot)}")
        await pilot.pause(0.02)


def seen_by_user(pilot: Pilot) -> str:
    """The app's messages (oldest first) and the screen's text, for a failure report."""
    app = pilot.app
    told = getattr(app, "told", None)
    lines = [f"screen: {type(app.screen).__name__}, focus: {app.focused!r}"]
    if callable(told):
        lines += [f"told: {notice.line}" for notice in told()]
    try:
        strips = app.screen._compositor.render_strips()
        lines += ["|" + strip.text.rstrip() for strip in strips]
    except Exception as error:
        lines.append(f"(screen not readable: {error!r})")
    return "\n".join(lines)
