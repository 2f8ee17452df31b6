"""Bounded soak: the market stream through random WebSocket faults, seeded.

Outside the default run (marker `soak`); run it with `python -m pytest -m soak -q`. The
embedded exchange's fault switches cut every connection, corrupt the next frames or stall the
socket (open but silent) for a random while. After each fault ends, fresh depth data must
arrive within 2 s (stream defaults: the 1 s back-off cap and the 15 s dead-link rule; stalls
are kept shorter than that rule, so they end as silence, not as a reconnect). The stream must
never stop or raise, and must end connected.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

import pytest

from cdx.client.stream import ConnectionState, DepthEvent, MarketStream, StreamEvent
from cdx.server.runner import SimConfig, start_exchange

pytestmark = pytest.mark.soak

ROUNDS = int(os.environ.get("CDX_SOAK_STREAM_ROUNDS", "40"))
SEED = int(os.environ.get("CDX_SOAK_SEED", "20261130"))
RECOVERY_S = 2.0
CHANNEL = "market_btcusdt_depth_step0"


async def test_stream_recovers_within_two_seconds_of_every_fault() -> None:
    rng = random.Random(SEED)
    exchange = await start_exchange(SimConfig(seed=SEED, rate=20))
    last_depth = 0.0
    states: list[ConnectionState] = []

    def on_event(event: StreamEvent) -> None:
        nonlocal last_depth
        if isinstance(event, DepthEvent):
            last_depth = time.monotonic()
        elif hasattr(event, "state"):
            states.append(event.state)

    stream = MarketStream(exchange.ws_url, on_event, rng=random.Random(SEED))
    stream.subscribe(CHANNEL)
    task = asyncio.create_task(stream.run())
    tally: dict[str, int] = {}
    worst = 0.0
    try:
        for round_ in range(ROUNDS):
            fault = rng.choice(("drop", "corrupt", "stall", "none"))
            tally[fault] = tally.get(fault, 0) + 1
            faults = exchange.faults
            if fault == "drop":
                faults.drop_ws_next = True
            elif fault == "corrupt":
                faults.corrupt_next_frames = rng.randint(1, 20)
            elif fault == "stall":
                faults.stall_ws = True
                await asyncio.sleep(rng.uniform(0.2, 3.0))
                faults.stall_ws = False
            # A drop or a corruption lasts until the server has used its switch up.
            async with asyncio.timeout(10):
                while faults.drop_ws_next or faults.corrupt_next_frames:
                    await asyncio.sleep(0.01)
            ended = time.monotonic()
            async with asyncio.timeout(RECOVERY_S + 1.0):
                while last_depth <= ended:
                    await asyncio.sleep(0.01)
            took = last_depth - ended
            worst = max(worst, took)
            assert took <= RECOVERY_S, f"round {round_} ({fault}): data back after {took:.2f} s"
            assert not task.done(), f"round {round_} ({fault}): the stream stopped"
        assert stream.state is ConnectionState.CONNECTED
    finally:
        stream.stop()
        await task
        await exchange.stop()
    print(f"stream soak: {ROUNDS} rounds, seed {SEED}, worst recovery {worst:.2f} s: {tally}")
