"""The dashboard process's heap, settled once the first full screen is up.

Why: the interpreter's full collections scan every object it tracks, and a loaded dashboard
tracks over a hundred thousand that never die (modules, classes, Textual's styles, the
widgets). A full collection rescanning them all was the 100-230 ms tail of a key's latency
(bench/key_latency.py). Freezing them once, when the first full screen is up, moves them to
the permanent generation: later collections scan only what the dashboard made since.

Once, not periodically: an object alive at a freeze that later dies in a reference cycle is
never freed. Frozen once, that is at most the start-up heap, which lives all session anyway;
frozen every few seconds it would be every toast and dialog alive at each freeze.

Only the `cdx` command settles its heap (`commands/dashboard.py`); tests that run many
dashboards in one process must not, or each one's objects would outlive it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

SETTLE_POLL_S = 0.25
"""How often to look whether the first full screen is up."""

SETTLE_GIVE_UP_S = 60.0
"""Settle anyway this long after start: a server that never answers must not keep the
start-up heap unfrozen (and its collections slow) all session."""


def settle() -> None:
    """Collect what start-up left behind, then freeze what is alive into the permanent
    generation, out of every later collection's scan."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "heap settled: %d objects frozen in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


async def settle_when(
    ready: Callable[[], bool], *, clock: Callable[[], float] = time.monotonic
) -> None:
    """`settle()` once `ready()` is true (the first full screen), or after `SETTLE_GIVE_UP_S`."""
    give_up = clock() + SETTLE_GIVE_UP_S
    while not ready() and clock() < give_up:
        await asyncio.sleep(SETTLE_POLL_S)
    # One more pause: the frame that shows the data is drawn before the collection runs.
    await asyncio.sleep(SETTLE_POLL_S)
    settle()
