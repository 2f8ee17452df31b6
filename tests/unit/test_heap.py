"""The dashboard's heap is frozen once its first full screen is up, and not before."""

from __future__ import annotations

import asyncio
import contextlib
import gc

from cdx.ui import heap


def test_the_heap_is_frozen_once_the_screen_is_full() -> None:
    # Counted from what is frozen already (the suite freezes what each test leaves alive):
    # thawing it all would make this test's collections rescan the whole suite's heap.
    gc.collect()
    gc.freeze()
    before = gc.get_freeze_count()
    calls = 0
    kept: list[object] = []

    def ready() -> bool:
        nonlocal calls
        calls += 1
        assert gc.get_freeze_count() == before, "frozen before the screen was full"
        kept.append([calls])  # alive since start-up, as the dashboard's widgets are
        return calls >= 3

    asyncio.run(_fast(heap.settle_when(ready)))
    assert calls == 3
    assert gc.get_freeze_count() > before


def test_a_screen_that_never_fills_still_gets_its_heap_frozen() -> None:
    now = 0.0

    def clock() -> float:
        nonlocal now
        now += 10.0  # each look is ten seconds later
        return now

    gc.collect()
    gc.freeze()
    before = gc.get_freeze_count()
    kept = [[1], [2]]  # alive when the heap settles
    asyncio.run(_fast(heap.settle_when(lambda: False, clock=clock)))
    assert gc.get_freeze_count() > before
    assert kept


async def _fast(waiting: object) -> None:
    """Run `waiting` with the poll shortened, so the test takes milliseconds."""
    saved = heap.SETTLE_POLL_S
    heap.SETTLE_POLL_S = 0.001
    try:
        await waiting  # type: ignore[misc]
    finally:
        heap.SETTLE_POLL_S = saved


class Quiet:
    """A clock that moves only when the collector sleeps, keys typed at given moments, and
    the moments full collections ran."""

    def __init__(self, keys: list[float]) -> None:
        self.now = 0.0
        self.keys = keys
        self.collections: list[float] = []
        self.needed = True

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would

    def last_key_at(self) -> float:
        return max((at for at in self.keys if at <= self.now), default=-1e9)

    def collect(self) -> None:
        self.collections.append(self.now)
        if len(self.collections) == 3:
            raise asyncio.CancelledError  # enough seen: stop the loop as a cancel would


def run_collector(quiet: Quiet) -> tuple[int, int, int]:
    """Run the collector until it has collected three times; the thresholds meanwhile."""
    seen: list[tuple[int, int, int]] = []

    def collect() -> None:
        seen.append(gc.get_threshold())
        quiet.collect()

    before = gc.get_threshold()
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(
            heap.collect_when_quiet(
                quiet.last_key_at,
                clock=quiet.clock,
                sleep=quiet.sleep,
                collect=collect,
                needed=lambda: quiet.needed,
            )
        )
    assert gc.get_threshold() == before, "the interpreter's thresholds are given back"
    return seen[0]


def test_full_collections_run_on_schedule_and_never_by_themselves_meanwhile() -> None:
    quiet = Quiet(keys=[])
    during = run_collector(quiet)
    assert during[2] == heap.NEVER
    assert quiet.collections == [heap.FULL_EVERY_S * n for n in (1, 2, 3)]


def test_a_due_collection_waits_for_a_pause_in_the_keys() -> None:
    # Keys every half second from a second before the collection is due to two seconds
    # after: it runs once a full second has passed since the last key.
    due = heap.FULL_EVERY_S
    keys = [due - 1.0 + 0.5 * n for n in range(7)]
    quiet = Quiet(keys=keys)
    run_collector(quiet)
    first = quiet.collections[0]
    assert keys[-1] + heap.QUIET_S <= first < keys[-1] + heap.QUIET_S + heap.QUIET_S / 4 + 1e-9


def test_keys_that_never_stop_put_a_collection_off_only_so_long() -> None:
    keys = [0.1 * n for n in range(2000)]  # 200 s of typing
    quiet = Quiet(keys=keys)
    run_collector(quiet)
    first = quiet.collections[0]
    due = heap.FULL_EVERY_S
    assert due + heap.FULL_LATEST_S <= first <= due + heap.FULL_LATEST_S + heap.QUIET_S


def test_no_collection_runs_while_the_interpreter_would_not_have_started_one() -> None:
    quiet = Quiet(keys=[])
    quiet.needed = False
    seen: list[float] = []

    async def idle_for_a_minute() -> None:
        task = asyncio.ensure_future(
            heap.collect_when_quiet(
                quiet.last_key_at,
                clock=quiet.clock,
                sleep=quiet.sleep,
                collect=lambda: seen.append(quiet.now),
                needed=lambda: quiet.needed,
            )
        )
        while quiet.now < 60.0:
            await asyncio.sleep(0)
        quiet.needed = True  # garbage made: the next look collects
        while not seen:
            await asyncio.sleep(0)
        task.cancel()

    asyncio.run(idle_for_a_minute())
    assert seen and seen[0] >= 60.0


def test_a_full_collection_forgets_the_regions_of_earlier_repaints() -> None:
    """Textual caches what it computes of each region a repaint touched; the dashboard's
    partial repaints touch new ones all day, so each full collection empties those caches
    (they would otherwise only fill, up to 4,096 entries a method)."""
    from textual.geometry import Region

    screen = Region(0, 0, 120, 40)
    for x in range(200):  # spans of a line, as the ladder repaints them
        screen.intersection(Region(x % 120, x % 40, 1 + x % 7, 1).translate((1, 1)))
    assert Region.intersection.cache_info().currsize > 0
    heap.collect_full()
    assert Region.intersection.cache_info().currsize == 0
    assert Region.translate.cache_info().currsize == 0
