"""The dashboard's heap is frozen once its first full screen is up, and not before."""

from __future__ import annotations

import asyncio
import gc

from cdx.ui import heap


def test_the_heap_is_frozen_once_the_screen_is_full() -> None:
    calls = 0

    def ready() -> bool:
        nonlocal calls
        calls += 1
        assert gc.get_freeze_count() == 0, "frozen before the screen was full"
        return calls >= 3

    gc.unfreeze()
    try:
        asyncio.run(_fast(heap.settle_when(ready)))
        assert calls == 3
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_screen_that_never_fills_still_gets_its_heap_frozen() -> None:
    now = 0.0

    def clock() -> float:
        nonlocal now
        now += 10.0  # each look is ten seconds later
        return now

    gc.unfreeze()
    try:
        asyncio.run(_fast(heap.settle_when(lambda: False, clock=clock)))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


async def _fast(waiting: object) -> None:
    """Run `waiting` with the poll shortened, so the test takes milliseconds."""
    saved = heap.SETTLE_POLL_S
    heap.SETTLE_POLL_S = 0.001
    try:
        await waiting  # type: ignore[misc]
    finally:
        heap.SETTLE_POLL_S = saved
