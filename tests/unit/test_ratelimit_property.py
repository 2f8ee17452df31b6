"""The limiter's promise under arbitrary traffic, on virtual time: whatever the arrival times,
priorities and round-trip times, the server never receives more than `limit` requests of a
group in any window, and every request is eventually sent, as long as each leg of a round trip
jitters by less than half the margin (PROTOCOL.md: the network adds jitter and a client keeps a
small margin); how the delay splits between the legs is otherwise anything."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cdx.client.ratelimit import DEFAULT_MARGIN_MS, Priority, RateLimiter
from cdx.client.shared_budget import SharedBudget
from cdx.protocol.endpoints import ACCOUNT, ORDER, RateGroup


class VirtualTime:
    """A clock that jumps to the next sleeper's wake-up once every task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        while not all(task.done() for task in tasks):
            for _ in range(20):  # let every runnable task reach its next wait
                await asyncio.sleep(0)
            if self._sleepers:
                wake_at, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake_at)
                future.set_result(None)
            elif not all(task.done() for task in tasks):
                raise AssertionError("deadlock: tasks wait but nothing will wake them")
        for task in tasks:
            task.result()


JITTER = st.floats(0, DEFAULT_MARGIN_MS / 2000, exclude_max=True)
"""How much one leg's delay may exceed its least (s): less than half the margin."""

request = st.tuples(
    st.floats(0, 0.5),  # when the caller wants to send (s)
    JITTER,  # extra delay on the way to the server
    JITTER,  # extra delay on the way back
    st.sampled_from(Priority),
)


@settings(max_examples=60, deadline=None)
@given(
    group=st.sampled_from([ACCOUNT, ORDER]),
    outbound=st.floats(0, 0.04),  # least delay on the way to the server (s)
    inbound=st.floats(0, 0.04),  # least delay on the way back
    requests=st.lists(request, min_size=1, max_size=30),
)
def test_server_never_sees_more_than_the_limit_in_any_window(
    group: RateGroup,
    outbound: float,
    inbound: float,
    requests: list[tuple[float, float, float, Priority]],
) -> None:
    received: list[float] = []

    async def scenario() -> None:
        time = VirtualTime()
        limiter = RateLimiter(clock=time, sleep=time.sleep)

        async def caller(start: float, there: float, back: float, priority: Priority) -> None:
            await time.sleep(start)
            async with limiter.slot(group, "k", priority):
                received.append(time() + outbound + there)
                await time.sleep(outbound + there + inbound + back)

        tasks = [asyncio.ensure_future(caller(*r)) for r in requests]
        await time.run(tasks)

    asyncio.run(scenario())
    assert len(received) == len(requests)
    received.sort()
    window = group.window_ms / 1000
    for first, later in zip(received, received[group.limit :], strict=False):
        assert later - first >= window - 1e-9


@settings(max_examples=40, deadline=None)
@given(
    group=st.sampled_from([ACCOUNT, ORDER]),
    outbound=st.floats(0, 0.04),
    inbound=st.floats(0, 0.04),
    requests=st.lists(
        st.tuples(request, st.integers(0, 1)),  # ... and which of two processes sends it
        min_size=1,
        max_size=30,
    ),
)
def test_two_limiters_sharing_a_budget_file_never_exceed_the_limit_together(
    group: RateGroup,
    outbound: float,
    inbound: float,
    requests: list[tuple[tuple[float, float, float, Priority], int]],
) -> None:
    received: list[float] = []

    async def scenario(directory: Path) -> None:
        time = VirtualTime()
        limiters = [
            RateLimiter(clock=time, sleep=time.sleep, shared=SharedBudget.open("s", directory))
            for _ in range(2)
        ]

        async def caller(
            start: float, there: float, back: float, priority: Priority, which: int
        ) -> None:
            await time.sleep(start)
            async with limiters[which].slot(group, "k", priority):
                received.append(time() + outbound + there)
                await time.sleep(outbound + there + inbound + back)

        tasks = [asyncio.ensure_future(caller(*r, which)) for r, which in requests]
        await time.run(tasks)

    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(scenario(Path(directory)))
    assert len(received) == len(requests)
    received.sort()
    window = group.window_ms / 1000
    for first, later in zip(received, received[group.limit :], strict=False):
        assert later - first >= window - 1e-9
