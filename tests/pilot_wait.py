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
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await pilot.pause(0.02)
