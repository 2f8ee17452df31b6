"""Server-side sliding-window rate limits (PROTOCOL.md section 4).

In every half-open interval `[t, t + W)` of server receive time at most `N` requests of a group
are accepted, per key (client IP or api_key). Only accepted requests are recorded, so a refused
request (429 or any earlier failure) never eats into the budget.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from cdx.protocol.endpoints import (
    RATE_HEADER_GROUP,
    RATE_HEADER_LIMIT,
    RATE_HEADER_REMAINING,
    RATE_HEADER_RETRY_MS,
    RATE_HEADER_WINDOW,
    RateGroup,
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one check, with what the response headers must say."""

    group: RateGroup
    accepted: bool
    remaining: int
    retry_after_ms: int = 0

    def headers(self) -> dict[str, str]:
        """The `X-RateLimit-*` headers (and `Retry-After` on a refusal) of the response."""
        headers = {
            RATE_HEADER_GROUP: self.group.name,
            RATE_HEADER_LIMIT: str(self.group.limit),
            RATE_HEADER_WINDOW: str(self.group.window_ms),
            RATE_HEADER_REMAINING: str(self.remaining),
        }
        if not self.accepted:
            headers["Retry-After"] = str(-(-self.retry_after_ms // 1000))
            headers[RATE_HEADER_RETRY_MS] = str(self.retry_after_ms)
        return headers


class SlidingWindowLimiter:
    """Accepted-request timestamps per (group, key); time is passed in, never read here."""

    def __init__(self) -> None:
        self._accepted: dict[tuple[str, str], deque[int]] = {}

    def _recent(self, group: RateGroup, key: str, now_ms: int) -> deque[int]:
        """The accepted times of this key still inside the window that ends at `now_ms`."""
        stamps = self._accepted.get((group.name, key))
        if stamps is None:
            return deque()
        horizon = now_ms - group.window_ms
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if not stamps:
            del self._accepted[(group.name, key)]
        return stamps

    def peek(self, group: RateGroup, key: str, now_ms: int) -> Decision:
        """What the window would say at `now_ms`, without recording or forgetting anything."""
        horizon = now_ms - group.window_ms
        stamps = self._accepted.get((group.name, key), ())
        used = sum(1 for stamp in stamps if stamp > horizon)
        return Decision(group, accepted=True, remaining=max(group.limit - used, 0))

    def acquire(self, group: RateGroup, key: str, now_ms: int) -> Decision:
        """Accept and record a request at `now_ms`, or refuse it with the exact wait."""
        stamps = self._recent(group, key, now_ms)
        if len(stamps) >= group.limit:
            # The request becomes acceptable once enough old ones leave the window: when the
            # one that makes the count exceed the limit is W ms old.
            blocking = stamps[len(stamps) - group.limit]
            retry = max(blocking + group.window_ms - now_ms, 1)
            return Decision(group, accepted=False, remaining=0, retry_after_ms=retry)
        stamps = self._accepted.setdefault((group.name, key), stamps)
        stamps.append(now_ms)
        return Decision(group, accepted=True, remaining=group.limit - len(stamps))
