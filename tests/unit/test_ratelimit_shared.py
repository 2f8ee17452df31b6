"""Two limiters sharing one budget file (as two processes on one key do), on a fake clock."""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cdx.client import shared_budget
from cdx.client.ratelimit import Priority, RateLimiter
from cdx.client.shared_budget import SharedBudget
from cdx.protocol.endpoints import ACCOUNT, ORDER

MARGIN_MS = 4.0
SERVER = "http://127.0.0.1:9999"


class FakeClock:
    """Seconds that only move when a limiter sleeps (both limiters read the same one)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def _limiter(clock: FakeClock, directory: Path) -> RateLimiter:
    shared = SharedBudget.open(SERVER, directory)
    assert shared is not None
    return RateLimiter(clock=clock, sleep=clock.sleep, margin_ms=MARGIN_MS, shared=shared)


async def _take(limiter: RateLimiter, clock: FakeClock, times: list[float], key: str = "k") -> None:
    async with limiter.slot(ACCOUNT, key, Priority.BACKGROUND):
        times.append(clock())


async def test_a_second_limiter_waits_for_the_first_ones_request(tmp_path: Path) -> None:
    clock = FakeClock()
    first, second = _limiter(clock, tmp_path), _limiter(clock, tmp_path)
    times: list[float] = []
    await _take(first, clock, times)
    await _take(second, clock, times)
    assert times == pytest.approx([0.0, 0.104])


async def test_two_limiters_together_keep_one_window(tmp_path: Path) -> None:
    clock = FakeClock()
    limiters = [_limiter(clock, tmp_path), _limiter(clock, tmp_path)]
    times: list[float] = []
    await asyncio.gather(*(_take(limiters[i % 2], clock, times) for i in range(10)))
    times.sort()
    assert all(b - a >= 0.1 for a, b in itertools.pairwise(times))


async def test_a_request_in_flight_elsewhere_holds_the_window(tmp_path: Path) -> None:
    clock = FakeClock()
    first, second = _limiter(clock, tmp_path), _limiter(clock, tmp_path)
    answered = asyncio.Event()

    async def slow() -> None:
        async with first.slot(ACCOUNT, "k", Priority.BACKGROUND):
            await answered.wait()

    times: list[float] = []
    holder = asyncio.create_task(slow())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(_take(second, clock, times))
    while clock() < 0.3:  # it looks again every few ms, and never goes
        await asyncio.sleep(0)
    assert times == []
    answered.set()  # answered at 0.3 s: the window holds it until 0.404 s
    await asyncio.gather(holder, waiter)
    assert 0.404 - 1e-9 <= times[0] <= 0.404 + 0.003


async def test_other_keys_and_servers_do_not_share(tmp_path: Path) -> None:
    clock = FakeClock()
    first = _limiter(clock, tmp_path)
    other_server = RateLimiter(
        clock=clock,
        sleep=clock.sleep,
        margin_ms=MARGIN_MS,
        shared=SharedBudget.open("http://127.0.0.1:1", tmp_path),
    )
    times: list[float] = []
    await _take(first, clock, times, key="alice")
    await _take(first, clock, times, key="bob")
    await _take(other_server, clock, times, key="alice")
    assert times == [0.0, 0.0, 0.0]


async def test_files_are_private_and_never_name_the_key(tmp_path: Path) -> None:
    clock = FakeClock()
    directory = tmp_path / "cdx"
    limiter = _limiter(clock, directory)
    await _take(limiter, clock, [], key="my-api-key-123")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    files = list(directory.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert "my-api-key-123" not in files[0].name
    assert "my-api-key-123" not in files[0].read_text()


async def test_records_of_a_dead_process_in_flight_do_not_block(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = _limiter(clock, tmp_path)
    await _take(limiter, clock, [])
    [path] = tmp_path.iterdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    record = {"at": clock(), "open": True, "pid": int(dead.stdout), "by": "crashed"}
    path.write_text(json.dumps({"v": 1, "records": [record]}))
    clock.now += 0.2
    times: list[float] = []
    await _take(_limiter(clock, tmp_path), clock, times)
    assert times == [pytest.approx(0.2)]


async def test_a_record_from_another_clock_or_a_broken_file_does_not_block(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    clock.now = 50.0
    limiter = _limiter(clock, tmp_path)
    await _take(limiter, clock, [])
    [path] = tmp_path.iterdir()
    future = {"at": 10_000.0, "open": False, "pid": os.getpid(), "by": "before-reboot"}
    path.write_text(json.dumps({"v": 1, "records": [future]}))
    clock.now += 0.2
    times: list[float] = []
    await _take(_limiter(clock, tmp_path), clock, times)
    path.write_text("{not json")
    clock.now += 0.2
    await _take(_limiter(clock, tmp_path), clock, times)
    assert times == pytest.approx([50.2, 50.4])


async def test_an_unwritable_state_directory_falls_back_to_one_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    caplog.set_level(logging.WARNING)
    assert SharedBudget.open(SERVER, blocker / "cdx") is None
    assert "kept per process" in caplog.text


async def test_a_file_that_turns_unusable_falls_back_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    limiter = _limiter(clock, tmp_path)
    await _take(limiter, clock, [])
    [path] = tmp_path.iterdir()
    path.unlink()
    path.mkdir()  # opening it as a file now fails
    caplog.set_level(logging.WARNING)
    times: list[float] = []
    await _take(limiter, clock, times)
    assert times == [pytest.approx(0.104)]
    assert "kept per process" in caplog.text


async def test_a_lock_held_elsewhere_is_not_waited_on(tmp_path: Path) -> None:

    clock = FakeClock()
    limiter = _limiter(clock, tmp_path)
    await _take(limiter, clock, [])
    [path] = tmp_path.iterdir()
    with open(path) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        times: list[float] = []
        await _take(limiter, clock, times)
    assert times == [pytest.approx(0.104)]


def test_the_state_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert shared_budget.state_directory() == tmp_path / "cdx"


async def test_remaining_showing_an_unexpected_request_widens_the_margin(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, margin_ms=MARGIN_MS)
    async with limiter.slot(ORDER, "k", Priority.USER):
        pass
    # We sent one request into the window; the server says it holds two (5 - 3).
    limiter.observe(ORDER, "k", {"X-RateLimit-Remaining": "3"}, status=200)
    assert limiter.margin_ms(ORDER, "k") == pytest.approx(MARGIN_MS + 1.0)
    async with limiter.slot(ORDER, "k", Priority.USER):
        pass
    limiter.observe(ORDER, "k", {"X-RateLimit-Remaining": "3"}, status=200)  # as expected
    assert limiter.margin_ms(ORDER, "k") == pytest.approx(MARGIN_MS + 1.0)


async def test_a_429_widens_the_margin_by_its_shortfall_up_to_a_step(tmp_path: Path) -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, margin_ms=MARGIN_MS)
    async with limiter.slot(ACCOUNT, "k", Priority.USER):
        pass
    limiter.observe(ACCOUNT, "k", {"X-RateLimit-Retry-After-Ms": "1"}, status=429)
    assert limiter.margin_ms(ACCOUNT, "k") == pytest.approx(MARGIN_MS + 1.0)
    limiter.observe(ACCOUNT, "k", {"X-RateLimit-Retry-After-Ms": "90"}, status=429)
    assert limiter.margin_ms(ACCOUNT, "k") == pytest.approx(MARGIN_MS + 3.0)


async def test_the_file_keeps_only_requests_a_window_may_still_hold(tmp_path: Path) -> None:
    clock = FakeClock()
    first, second = _limiter(clock, tmp_path), _limiter(clock, tmp_path)
    for turn in range(30):
        await _take(first if turn % 2 else second, clock, [])
    [path] = tmp_path.iterdir()
    records = json.loads(path.read_text())["records"]
    assert 1 <= len(records) <= 3
    assert all(clock() - record["at"] < 0.2 for record in records)
