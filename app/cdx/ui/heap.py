"""The dashboard process's heap, settled once the first full screen is up.

Why: the interpreter's full collections scan every object it tracks, and a loaded dashboard
tracks over a hundred thousand that never die (modules, classes, Textual's styles, the
widgets). A full collection rescanning them all was the 100-230 ms tail of a key's latency
(bench/key_latency.py). Freezing them once, when the first full screen is up, moves them to
the permanent generation: later collections scan only what the dashboard made since.

Once, not periodically: an object alive at a freeze that later dies in a reference cycle is
never freed. Frozen once, that is at most the start-up heap, which lives all session anyway;
frozen every few seconds it would be every toast and dialog alive at each freeze.

Full collections when the user is not acting: even on a settled heap a full collection took
150-300 ms of CPU in a market at its default pace (Textual's drawn lines die in cycles, tens
of thousands between collections), and the interpreter starts one whenever enough objects
have survived, which is mostly while a key's frame is being drawn (a key allocates most).
That was the tail of Enter -> dialog and confirm -> row. After settling, the interpreter never
starts a full collection by itself; `collect_when_quiet` runs one every `FULL_EVERY_S` if the
interpreter would have by then, put off while keys are arriving (`QUIET_S`), never longer
than `FULL_LATEST_S`. Young
collections stay automatic (about a millisecond each).

Only the `cdx` command settles its heap (`commands/dashboard.py`); tests that run many
dashboards in one process must not, or each one's objects would outlive it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

SETTLE_POLL_S = 0.25
"""How often to look whether the first full screen is up."""

SETTLE_GIVE_UP_S = 60.0
"""Settle anyway this long after start: a server that never answers must not keep the
start-up heap unfrozen (and its collections slow) all session."""


FULL_EVERY_S = 5.0
"""How often a full collection is due: garbage in cycles waits at most this long (plus
`FULL_LATEST_S`) to be freed."""

QUIET_S = 1.0
"""A key this recent puts a due full collection off: the user is in the middle of something."""

FULL_LATEST_S = 30.0
"""A due full collection runs after this long even if keys keep arriving."""

NEVER = 1_000_000_000
"""A full-collection threshold the interpreter never reaches."""


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


async def tend(ready: Callable[[], bool], last_key_at: Callable[[], float]) -> None:
    """What the `cdx` command does for its heap, until cancelled: `settle_when(ready)`, then
    `collect_when_quiet(last_key_at)`."""
    await settle_when(ready)
    await collect_when_quiet(last_key_at)


async def collect_when_quiet(
    last_key_at: Callable[[], float],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    collect: Callable[[], None] | None = None,
    needed: Callable[[], bool] | None = None,
) -> None:
    """Take full collections over from the interpreter: every `FULL_EVERY_S`, if `needed()`
    (by default: the interpreter would have started one by now), one runs once no key has
    arrived for `QUIET_S` (`last_key_at()`, on `clock`), or `FULL_LATEST_S` late at most.
    Runs until cancelled; the interpreter's own thresholds come back then."""
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    if needed is None:  # as many middle collections since the last full one as it waits for
        needed = lambda: gc.get_count()[2] >= full  # noqa: E731
    try:
        while True:
            await sleep(FULL_EVERY_S)
            if not needed():
                continue  # an idle dashboard makes little garbage: nothing to collect
            due = clock()
            while clock() - last_key_at() < QUIET_S and clock() - due < FULL_LATEST_S:
                await sleep(QUIET_S / 4)
            (collect or collect_full)()
    finally:
        gc.set_threshold(young, middle, full)


def collect_full() -> None:
    """One full collection, logged at debug level with what it cost; Textual's region caches
    are emptied with it (`forget_regions`)."""
    started = time.thread_time()
    forget_regions()
    freed = gc.collect(2)
    log.debug("full collection: %d freed, %.0f ms", freed, (time.thread_time() - started) * 1000)


def forget_regions() -> None:
    """Empty the caches of Textual's `Region` methods (`functools.lru_cache`, 1,024 to 4,096
    entries each).

    Why: the ladder, the tape and the watchlist repaint only the spans that changed, and every
    span not seen before adds entries (its translation, its intersection with the screen) that
    stay until their cache is full: over an hour of a normal market about 6,000 and still
    rising, the whole of the dashboard's remaining growth (`bench.memory_growth`). The entries
    that matter come back within a frame; computing a region again costs about a microsecond.
    """
    from textual.geometry import Region

    for method in vars(Region).values():
        clear = getattr(method, "cache_clear", None)
        if clear is not None:
            clear()
