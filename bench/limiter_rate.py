"""How much of the allowed account rate the rate limiter uses, and whether the server refuses any.

The exchange runs as its own process (`cdx sim`), as a real server would. A client calls the
account endpoint (1 request per 100 ms per key, PROTOCOL.md section 4) back to back for a fixed
time; the figure is the accepted rate over the allowed one, measured between the first and the
last answer, and the number of `429`s.

- One process: our limiter, then in the same run a baseline limiter that waits a fixed 3 ms
  margin past the window after each answer (what a client without round-trip credit does).
- Two processes on one key side by side: sharing their budget through the state directory,
  then in the same run each with its own limiter (the baseline: what they did before).

Run alone: python -m bench.limiter_rate [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

ALLOWED_PER_S = 10.0
"""The account group's limit: 1 request per 100 ms."""

API_KEY, API_SECRET = "demo", "demo-secret"


@dataclass(frozen=True, slots=True)
class Run:
    """One client's run: answers accepted and refused, and when the first and last came."""

    accepted: int
    refused: int
    first: float
    last: float


class FixedMarginLimiter:
    """The baseline: the next account request goes a window plus a fixed 3 ms after the last
    answer (no credit for the round trip), one request at a time."""

    def __init__(self, margin_ms: float = 3.0) -> None:
        self._gap = 0.1 + margin_ms / 1000
        self._next = 0.0
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def slot(self, group: Any, key: str, priority: Any) -> AsyncIterator[None]:
        async with self._lock:
            await asyncio.sleep(max(self._next - time.monotonic(), 0.0))
            try:
                yield
            finally:
                self._next = time.monotonic() + self._gap

    def observe(self, group: Any, key: str, headers: Any, status: int) -> None:
        return None


async def client(url: str, seconds: float, mode: str) -> Run:
    """Call the account endpoint back to back for `seconds`; `mode` is `ours`, `shared` or
    `fixed` (the baseline)."""
    from cdx.client.credentials import Credentials
    from cdx.client.errors import RateLimited
    from cdx.client.ratelimit import Priority, RateLimiter
    from cdx.client.rest import RestClient

    limiter: Any
    if mode == "shared":
        limiter = RateLimiter.shared_with_other_processes(url)
    elif mode == "ours":
        limiter = RateLimiter()
    else:
        limiter = FixedMarginLimiter()
    counts = {"accepted": 0, "refused": 0}
    answers: list[float] = []
    observe = limiter.observe

    def counting(group: Any, key: str, headers: Any, status: int) -> None:
        counts["refused" if status == 429 else "accepted"] += 1
        if status != 429:
            answers.append(time.monotonic())
        observe(group, key, headers, status)

    limiter.observe = counting
    credentials = Credentials(API_KEY, API_SECRET)
    async with RestClient(url, credentials, limiter) as rest:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with contextlib.suppress(RateLimited):
                await rest.account(priority=Priority.BACKGROUND)
    return Run(counts["accepted"], counts["refused"], answers[0], answers[-1])


def ratio(runs: list[Run]) -> float:
    """Accepted rate between the first and last answer of all runs, over the allowed rate."""
    accepted = sum(run.accepted for run in runs)
    span = max(run.last for run in runs) - min(run.first for run in runs)
    return (accepted - 1) / span / ALLOWED_PER_S if span > 0 else 0.0


@contextlib.contextmanager
def exchange() -> Iterator[str]:
    """`cdx sim` on a free port, frozen market (only the limiter is measured); its REST URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "cdx.cli", "sim", "--port", "0", "--rate", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline().split()
        yield first[0].removeprefix("rest=")
    finally:
        child.terminate()
        child.wait(timeout=10)


def two_processes(url: str, seconds: float, mode: str, state: str) -> list[Run]:
    """Two client processes on one key at once; `mode` `shared` or `ours` (per process)."""
    env = {**os.environ, "XDG_STATE_HOME": state}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.limiter_rate", "--child", url, str(seconds), mode],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    runs = []
    for child in children:
        out, _ = child.communicate(timeout=seconds + 60)
        runs.append(Run(**json.loads(out.strip().splitlines()[-1])))
    return runs


def measure(seconds: float) -> dict[str, float]:
    """Every limiter figure, each with its same-run baseline."""
    with exchange() as url, tempfile.TemporaryDirectory() as state:
        # A window's pause between runs, so no run starts inside the last one's window.
        ours = asyncio.run(client(url, seconds, "ours"))
        time.sleep(0.2)
        fixed = asyncio.run(client(url, seconds, "fixed"))
        time.sleep(0.2)
        shared = two_processes(url, seconds, "shared", state)
        time.sleep(0.2)
        alone = two_processes(url, seconds, "ours", state)

    def refused_pct(runs: list[Run]) -> float:
        total = sum(run.accepted + run.refused for run in runs)
        return 100.0 * sum(run.refused for run in runs) / total if total else 0.0

    return {
        "limiter_one_process_ratio": ratio([ours]),
        "limiter_one_process_refused": float(ours.refused),
        "baseline_fixed_3ms_margin_ratio": ratio([fixed]),
        "baseline_fixed_3ms_margin_refused": float(fixed.refused),
        "limiter_two_processes_shared_ratio": ratio(shared),
        "limiter_two_processes_shared_refused_pct": refused_pct(shared),
        "baseline_two_processes_unshared_ratio": ratio(alone),
        "baseline_two_processes_unshared_refused_pct": refused_pct(alone),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "SECONDS", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the baseline's 429s are counted, not printed
    if args.child:
        url, seconds, mode = args.child
        run = asyncio.run(client(url, float(seconds), mode))
        print(
            json.dumps(
                {
                    "accepted": run.accepted,
                    "refused": run.refused,
                    "first": run.first,
                    "last": run.last,
                }
            )
        )
        return
    for name, value in measure(args.seconds).items():
        print(f"{name} = {value:.3f}")


if __name__ == "__main__":
    main()
