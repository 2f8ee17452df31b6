"""Shared fixtures: the embedded exchange on a loopback port, live or frozen.

`exchange` is a seeded market moving fast (tests see trades and book changes within a fraction
of a second); `frozen_exchange` never moves and its clock stands still at `FROZEN_NOW_MS`, so
everything it serves is the same on every run. Sign requests to it with that time.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Mapping

import pytest

from cdx.server.runner import RunningExchange, SimConfig, start_exchange

FROZEN_NOW_MS = 1_700_000_000_000
"""The frozen exchange's server time (ms); signed requests to it use `time=FROZEN_NOW_MS`."""

LIVE_RATE = 50.0
"""Synthetic market changes per second per book of the live `exchange` fixture."""

SEED = 7
API_KEY = "demo"
API_SECRET = "demo-secret"


class ManualClock:
    """A server clock in ms that moves only when the test moves it."""

    def __init__(self, now_ms: int = FROZEN_NOW_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


def signed(
    params: Mapping[str, str],
    time_ms: int,
    *,
    api_key: str = API_KEY,
    secret: str = API_SECRET,
) -> dict[str, str]:
    """`params` plus api_key, time and sign, computed straight from PROTOCOL.md section 3.

    Written out here rather than imported from `cdx.protocol`, so a shared bug cannot hide.
    Empty values are dropped (they would not be signed); add them afterwards to send them.
    """
    out = {name: value for name, value in params.items() if value != ""}
    out["api_key"] = api_key
    out["time"] = str(time_ms)
    text = "".join(name + out[name] for name in sorted(out, key=str.encode)) + secret
    out["sign"] = hashlib.sha256(text.encode()).hexdigest()
    return out


@pytest.fixture
def sign() -> Callable[..., dict[str, str]]:
    """`signed(params, time_ms, *, api_key=..., secret=...)` for tests that talk raw HTTP."""
    return signed


@pytest.fixture
def manual_clock() -> ManualClock:
    """The clock of `frozen_exchange`; advance it to move rate-limit and time windows."""
    return ManualClock()


@pytest.fixture
async def exchange() -> AsyncIterator[RunningExchange]:
    """A live, seeded embedded exchange on a free loopback port (wall clock)."""
    running = await start_exchange(SimConfig(seed=SEED, rate=LIVE_RATE))
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def frozen_exchange(manual_clock: ManualClock) -> AsyncIterator[RunningExchange]:
    """A seeded embedded exchange whose market never moves and whose clock stands still."""
    running = await start_exchange(SimConfig(seed=SEED, rate=0, clock=manual_clock))
    try:
        yield running
    finally:
        await running.stop()
