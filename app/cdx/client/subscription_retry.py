"""Back-off delays, and the retry state of a subscription the server refused."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


@dataclass(slots=True)
class RefusedChannel:
    """A channel the server refused: how often in a row, why, and the pending retry."""

    attempts: int
    reason: str
    retry: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        if self.retry is not None:
            self.retry.cancel()
            self.retry = None


def jittered(rng: random.Random, initial: float, cap: float, attempt: int) -> float:
    """A delay doubling from `initial` per attempt up to `cap`, drawn from its upper half.

    The exponent is bounded so that hours of failed attempts cannot overflow a float.
    """
    ceiling = min(cap, initial * 2.0 ** min(attempt - 1, 32))
    return rng.uniform(ceiling / 2, ceiling)
