"""The shared rate limiter on a fake clock: exact, instant, and never over the limit."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from cdx.client.ratelimit import (
    MAX_RETRY_AFTER_MS,
    MAX_WINDOW_MS,
    MIN_RTT_SAMPLES,
    Budget,
    Priority,
    RateLimiter,
)
from cdx.protocol.endpoints import ACCOUNT, MARKET, ORDER, RateGroup

MARGIN_MS = 4.0


class FakeClock:
    """Seconds that only move when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter(clock=clock, sleep=clock.sleep, margin_ms=MARGIN_MS)


async def _run_many(
    limiter: RateLimiter, clock: FakeClock, group: RateGroup, n: int, priority=Priority.BACKGROUND
) -> list[float]:
    times: list[float] = []

    async def one() -> None:
        async with limiter.slot(group, "k", priority):
            times.append(clock())

    await asyncio.gather(*(one() for _ in range(n)))
    return times


def _max_in_any_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_burst_up_to_the_limit_goes_out_at_once(limiter, clock) -> None:
    times = await _run_many(limiter, clock, ORDER, ORDER.limit)
    assert times == [0.0] * ORDER.limit


async def test_request_beyond_the_limit_waits_for_the_window_plus_margin(limiter, clock) -> None:
    times = await _run_many(limiter, clock, ORDER, ORDER.limit + 1)
    assert times[-1] == pytest.approx((ORDER.window_ms + MARGIN_MS) / 1000)


@pytest.mark.parametrize("group", [MARKET, ACCOUNT, ORDER], ids=lambda g: g.name)
async def test_many_concurrent_callers_never_exceed_the_limit(limiter, clock, group) -> None:
    times = await _run_many(limiter, clock, group, group.limit * 7 + 3)
    # Even a server receiving everything `margin` later or earlier sees at most `limit`.
    assert _max_in_any_window(times, (group.window_ms + MARGIN_MS) / 1000 - 1e-6) <= group.limit


@pytest.mark.parametrize("group", [MARKET, ACCOUNT, ORDER], ids=lambda g: g.name)
async def test_queued_work_uses_at_least_95_percent_of_the_allowed_rate(
    limiter, clock, group
) -> None:
    n = group.limit * 20
    times = await _run_many(limiter, clock, group, n)
    achieved = n / (max(times) - min(times) + group.window_ms / 1000)
    allowed = group.limit / (group.window_ms / 1000)
    assert achieved >= 0.95 * allowed


async def test_user_action_overtakes_queued_background_polls(limiter, clock) -> None:
    order: list[str] = []

    async def take(name: str, priority: Priority) -> None:
        async with limiter.slot(ACCOUNT, "k", priority):
            order.append(name)

    polls = [asyncio.create_task(take(f"poll{i}", Priority.BACKGROUND)) for i in range(4)]
    await asyncio.sleep(0)  # the first poll is granted, the others wait
    user = asyncio.create_task(take("user", Priority.USER))
    await asyncio.gather(*polls, user)
    assert order[0] == "poll0"
    assert order[1] == "user"


async def test_groups_and_keys_have_separate_windows(limiter, clock) -> None:
    async with limiter.slot(ACCOUNT, "alice", Priority.BACKGROUND):
        pass
    async with limiter.slot(ACCOUNT, "bob", Priority.BACKGROUND):
        pass
    async with limiter.slot(ORDER, "alice", Priority.USER):
        pass
    assert clock() == 0.0


async def test_429_blocks_for_the_exact_retry_after(limiter, clock) -> None:
    async with limiter.slot(MARKET, "h", Priority.BACKGROUND):
        pass
    limiter.observe(
        MARKET, "h", {"Retry-After": "1", "X-RateLimit-Retry-After-Ms": "250"}, status=429
    )
    async with limiter.slot(MARKET, "h", Priority.USER):
        pass
    assert clock() == pytest.approx(0.250 + MARGIN_MS / 1000)


async def test_429_with_only_retry_after_seconds_waits_that_long(limiter, clock) -> None:
    limiter.observe(MARKET, "h", {"Retry-After": "2"}, status=429)
    async with limiter.slot(MARKET, "h", Priority.USER):
        pass
    assert clock() == pytest.approx(2 + MARGIN_MS / 1000)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Retry-After-Ms": "1000000000"},
        {"Retry-After": "1000000"},
        {"Retry-After": "1e300"},
    ],
)
async def test_an_absurd_retry_after_is_clamped(limiter, clock, headers, caplog) -> None:
    limiter.observe(MARKET, "h", headers, status=429)
    async with limiter.slot(MARKET, "h", Priority.USER):
        pass
    assert clock() == pytest.approx(MAX_RETRY_AFTER_MS / 1000 + MARGIN_MS / 1000)
    assert "waiting" in caplog.text


async def test_an_hour_long_advertised_window_is_clamped(limiter, clock, caplog) -> None:
    limiter.observe(
        ORDER, "k", {"X-RateLimit-Limit": "1", "X-RateLimit-Window-Ms": "3600000"}, status=200
    )
    times = await _run_many(limiter, clock, ORDER, 2)
    assert times[1] <= MAX_WINDOW_MS / 1000 + MARGIN_MS / 1000 + 1e-9
    assert limiter.budgets()["order"].window_ms == MAX_WINDOW_MS
    assert "keeping at most" in caplog.text


async def test_server_declaring_a_stricter_limit_is_believed(limiter, clock) -> None:
    limiter.observe(
        ORDER, "k", {"X-RateLimit-Limit": "1", "X-RateLimit-Window-Ms": "200"}, status=200
    )
    times = await _run_many(limiter, clock, ORDER, 3)
    assert times == pytest.approx([0.0, 0.204, 0.408])


async def test_success_headers_do_not_slow_down_a_conforming_client(limiter, clock) -> None:
    limiter.observe(
        ACCOUNT,
        "k",
        {"X-RateLimit-Limit": "1", "X-RateLimit-Window-Ms": "100", "X-RateLimit-Remaining": "0"},
        status=200,
    )
    times = await _run_many(limiter, clock, ACCOUNT, 2)
    assert times == pytest.approx([0.0, 0.104])


async def test_budgets_show_remaining_per_group(limiter, clock) -> None:
    assert limiter.budgets()["order"] == Budget("order", 5, 5, 100)
    await _run_many(limiter, clock, ORDER, 3)
    assert limiter.budgets()["order"].remaining == 2
    assert limiter.budgets()["market"].remaining == 100
    clock.now += 1.0
    assert limiter.budgets()["order"].remaining == 5


async def test_cancelled_waiter_gives_its_turn_away(limiter, clock) -> None:
    granted: list[str] = []

    async def take(name: str) -> None:
        async with limiter.slot(ACCOUNT, "k", Priority.BACKGROUND):
            granted.append(name)

    first = asyncio.create_task(take("first"))
    await asyncio.sleep(0)
    gone = asyncio.create_task(take("gone"))
    last = asyncio.create_task(take("last"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(first, last, gone, return_exceptions=True)
    assert granted == ["first", "last"]
    assert clock() == pytest.approx(0.104)


async def test_slow_first_request_counts_from_when_it_was_answered(limiter, clock) -> None:
    async with limiter.slot(ACCOUNT, "k", Priority.BACKGROUND):
        clock.now += 0.050  # e.g. the connection was being opened: the server saw it late
    async with limiter.slot(ACCOUNT, "k", Priority.BACKGROUND):
        pass
    assert clock() == pytest.approx(0.050 + 0.104)


async def _one_after_another(limiter, clock, rtts: list[float]) -> list[float]:
    times: list[float] = []
    for rtt in rtts:
        async with limiter.slot(ACCOUNT, "k", Priority.BACKGROUND):
            times.append(clock())
            clock.now += rtt  # the server saw it somewhere in this round trip
    return times


async def test_answered_request_counts_from_its_answer_until_round_trips_are_known(
    limiter, clock
) -> None:
    times = await _one_after_another(limiter, clock, [0.020] * 3)
    assert times == pytest.approx([0.0, 0.124, 0.248])


async def test_with_round_trips_known_a_request_counts_from_its_answer_less_the_quickest(
    limiter, clock
) -> None:
    times = await _one_after_another(limiter, clock, [0.002] * (MIN_RTT_SAMPLES + 3))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Until the quickest round trip is known, a request counts from its answer: 106 ms apart;
    # then from its answer less the 2 ms quickest round trip, i.e. from when it was sent.
    assert gaps[: MIN_RTT_SAMPLES - 1] == pytest.approx([0.106] * (MIN_RTT_SAMPLES - 1))
    assert gaps[MIN_RTT_SAMPLES:] == pytest.approx([0.104] * 2)


async def test_a_slower_round_trip_delays_only_by_what_it_exceeds_the_quickest(
    limiter, clock
) -> None:
    rtts = [0.002] * MIN_RTT_SAMPLES + [0.012, 0.002]
    times = await _one_after_another(limiter, clock, rtts)
    assert times[-1] - times[-2] == pytest.approx(0.104 + 0.010)


async def test_round_trips_that_spread_widen_the_margin(limiter, clock) -> None:
    rtts = [0.002, 0.014] * MIN_RTT_SAMPLES
    await _one_after_another(limiter, clock, rtts)
    # median 8 ms, quickest 2 ms: the legs may jitter by 6 ms, more than the 4 ms margin
    assert limiter.margin_ms(ACCOUNT, "k") == pytest.approx(6.0)


async def test_request_in_flight_never_leaves_the_window(limiter, clock) -> None:
    answered = asyncio.Event()
    granted: list[float] = []

    async def slow() -> None:
        async with limiter.slot(ACCOUNT, "k", Priority.BACKGROUND):
            await answered.wait()

    async def next_one() -> None:
        async with limiter.slot(ACCOUNT, "k", Priority.USER):
            granted.append(clock())

    first = asyncio.create_task(slow())
    await asyncio.sleep(0)
    second = asyncio.create_task(next_one())
    for _ in range(5):
        await asyncio.sleep(0)
    assert granted == []  # however long the first takes, the second waits for it
    clock.now += 0.300
    answered.set()
    await asyncio.gather(first, second)
    assert granted == pytest.approx([0.300 + 0.104])
