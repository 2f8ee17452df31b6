"""One rate limiter per app that every REST call goes through (PROTOCOL.md section 4).

The groups and their limits are data in `cdx.protocol.endpoints`; this module only enforces
them. Each (group, key) pair is a sliding window: a request is let through only if fewer than
`limit` requests are in the last `window_ms + margin_ms`. A request in flight never leaves the
window, and an answered one counts from (about) when its answer came, since the server received
it at some unknown point before: so however the network delays a request, the server never sees
more than `limit` in a window. Waiting requests are served highest priority first, so a user's
order overtakes background polling, and a `429` blocks the pair for as long as the server asked.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum

from cdx.protocol.endpoints import (
    RATE_GROUPS,
    RATE_HEADER_LIMIT,
    RATE_HEADER_RETRY_MS,
    RATE_HEADER_WINDOW,
    RateGroup,
)

log = logging.getLogger(__name__)

DEFAULT_MARGIN_MS = 3.0
"""Extra window length: absorbs the jitter between our clock and the server's receive times
while keeping the 1-per-100 ms account group above 95 % of its allowed rate (100 / 103)."""

MAX_RETRY_AFTER_MS = 10_000.0
"""Longest wait a `429` may impose; a server asking for more (10^9 ms) is clamped (and logged),
so no request waits past this plus one window for the server's say-so."""

MAX_WINDOW_MS = 10_000
"""Longest advertised window believed (PROTOCOL.md 9.6: advertised limits win, within reason):
an hour-long window would let one request through per hour. Longer ones are clamped (and
logged); if the server really means it, its 429s (capped as above) slow us down instead."""

_EPSILON = 1e-9
_SAFETY = 0.0005
"""Part of the margin never spent on round-trip credit: rounding of ms timestamps."""


class Priority(IntEnum):
    """Who is waiting: a lower value is served first."""

    USER = 0
    BACKGROUND = 1


@dataclass(frozen=True, slots=True)
class Budget:
    """How many more requests of `group` could be sent right now, for the status bar."""

    group: str
    remaining: int
    limit: int
    window_ms: int


@dataclass(slots=True)
class _Entry:
    """One granted request: `at` is when the server may have received it."""

    at: float
    open: bool = True


@dataclass(slots=True)
class _Bucket:
    """The live state of one (group, key) window."""

    limit: int
    window_ms: int
    entries: list[_Entry] = field(default_factory=list)
    waiters: list[tuple[int, int, asyncio.Future[_Entry]]] = field(default_factory=list)
    min_rtt: float | None = None
    blocked_until: float = -math.inf
    timer: asyncio.Task[None] | None = None


class RateLimiter:
    """The app's single gate for REST requests.

    `clock` (seconds) and `sleep` are injectable so tests run on a fake clock, exactly and
    instantly. When the server still says "too frequent" (another app on the same key, a
    server with stricter limits), the window is blocked for the `Retry-After` it gave and a
    stricter declared limit is adopted.
    """

    def __init__(
        self,
        groups: Iterable[RateGroup] = RATE_GROUPS,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin_ms: float = DEFAULT_MARGIN_MS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._groups = {group.name: group for group in groups}
        self._clock = clock
        self._margin = margin_ms / 1000
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._seq = itertools.count()

    def slot(
        self, group: RateGroup, key: str, priority: Priority
    ) -> AbstractAsyncContextManager[None]:
        """Wait until a request of `group` for `key` may be sent; send it inside the block.

        The request counts whether or not it then succeeds. While it is in flight it never
        leaves the window; once answered it counts from about when the answer came (the
        server may have received it just before), so a slow send never lets the next request
        in early.
        """
        return self._slot(group, key, priority)

    @asynccontextmanager
    async def _slot(self, group: RateGroup, key: str, priority: Priority) -> AsyncIterator[None]:
        bucket = self._bucket(group, key)
        entry = await self._acquire(bucket, priority)
        try:
            yield
        finally:
            self._release(bucket, entry)

    async def _acquire(self, bucket: _Bucket, priority: Priority) -> _Entry:
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        heapq.heappush(bucket.waiters, (int(priority), next(self._seq), future))
        self._pump(bucket)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted, then cancelled: give back
                self._release(bucket, future.result())
            raise

    def _release(self, bucket: _Bucket, entry: _Entry) -> None:
        # The server received the request at some point before its answer came back. Count
        # it from the answer, less the part of the quickest round trip the margin can cover
        # (less a sliver for ms rounding): then the next request in this window
        # reaches the server at least a full window later, however the delay was split.
        rtt = max(self._clock() - entry.at, 0.0)
        covered = max(self._margin - _SAFETY, 0.0)
        base = min(bucket.min_rtt, covered) if bucket.min_rtt is not None else 0.0
        entry.at += max(rtt - base, 0.0)
        bucket.min_rtt = rtt if bucket.min_rtt is None else min(bucket.min_rtt, rtt)
        entry.open = False
        self._pump(bucket)

    def observe(self, group: RateGroup, key: str, headers: Mapping[str, str], status: int) -> None:
        """Learn from a response's `X-RateLimit-*` headers.

        A server that declares a stricter limit or longer window than ours is believed from
        then on. A `429` blocks the window for `X-RateLimit-Retry-After-Ms` (or `Retry-After`
        seconds, or one window if it gave neither).
        """
        bucket = self._bucket(group, key)
        limit = _header_number(headers, RATE_HEADER_LIMIT)
        window = _header_number(headers, RATE_HEADER_WINDOW)
        if limit is not None and window is not None and limit >= 1 and window > 0:
            if window > MAX_WINDOW_MS:
                log.warning(
                    "server advertises a %s window of %.0f ms; keeping at most %d ms",
                    group.name,
                    window,
                    MAX_WINDOW_MS,
                )
                window = MAX_WINDOW_MS
            new_limit = min(bucket.limit, int(limit))
            new_window = max(bucket.window_ms, math.ceil(window))
            if (new_limit, new_window) != (bucket.limit, bucket.window_ms):
                log.info(
                    "server limits %s to %d per %d ms (was %d per %d ms)",
                    group.name,
                    new_limit,
                    new_window,
                    bucket.limit,
                    bucket.window_ms,
                )
                bucket.limit, bucket.window_ms = new_limit, new_window
        if status == 429:
            retry_ms = retry_after_ms(headers)
            if retry_ms is None:
                retry_ms = float(bucket.window_ms)
            until = self._clock() + retry_ms / 1000 + self._margin
            bucket.blocked_until = max(bucket.blocked_until, until)
            log.warning(
                "server said %s requests are too frequent; waiting %.0f ms", group.name, retry_ms
            )
        self._pump(bucket)

    def budgets(self) -> dict[str, Budget]:
        """Remaining budget per group name (the tightest key of each group), for the UI."""
        now = self._clock()
        out: dict[str, Budget] = {}
        for name, group in self._groups.items():
            buckets = [b for (g, _), b in self._buckets.items() if g == name]
            if not buckets:
                out[name] = Budget(name, group.limit, group.limit, group.window_ms)
                continue
            tightest = min(buckets, key=lambda b: self._remaining(b, now))
            out[name] = Budget(
                name, self._remaining(tightest, now), tightest.limit, tightest.window_ms
            )
        return out

    def retry_after(self, group: RateGroup, key: str) -> float:
        """Seconds until (group, key) could send again, 0 if it could now."""
        wait = self._wait_time(self._bucket(group, key), self._clock())
        return wait if wait is not None else self._span(self._bucket(group, key))

    # internals ---------------------------------------------------------------------------

    def _bucket(self, group: RateGroup, key: str) -> _Bucket:
        bucket = self._buckets.get((group.name, key))
        if bucket is None:
            declared = self._groups.get(group.name, group)
            bucket = _Bucket(declared.limit, declared.window_ms)
            self._buckets[(group.name, key)] = bucket
        return bucket

    def _span(self, bucket: _Bucket) -> float:
        return bucket.window_ms / 1000 + self._margin

    def _prune(self, bucket: _Bucket, now: float) -> None:
        span = self._span(bucket)
        bucket.entries = [e for e in bucket.entries if e.open or now - e.at < span - _EPSILON]

    def _remaining(self, bucket: _Bucket, now: float) -> int:
        if bucket.blocked_until > now:
            return 0
        self._prune(bucket, now)
        return max(bucket.limit - len(bucket.entries), 0)

    def _wait_time(self, bucket: _Bucket, now: float) -> float | None:
        """Seconds until one more request fits, or None if that depends on a request still in
        flight (its completion will look again)."""
        self._prune(bucket, now)
        wait = bucket.blocked_until - now
        excess = len(bucket.entries) - bucket.limit + 1
        if excess > 0:
            span = self._span(bucket)
            expiries = sorted(e.at + span for e in bucket.entries if not e.open)
            if len(expiries) < excess:
                return None
            wait = max(wait, expiries[excess - 1] - now)
        return wait if wait > _EPSILON else 0.0

    def _pump(self, bucket: _Bucket) -> None:
        """Grant slots to waiters, best priority first, while the window has room; otherwise
        make sure one timer will come back when it next opens."""
        now = self._clock()
        while bucket.waiters:
            _, _, future = bucket.waiters[0]
            if future.done():  # the caller gave up (cancelled)
                heapq.heappop(bucket.waiters)
                continue
            wait = self._wait_time(bucket, now)
            if wait is None:
                return
            if wait > 0:
                if bucket.timer is None or bucket.timer.done():
                    loop = asyncio.get_running_loop()
                    bucket.timer = loop.create_task(self._wake(bucket, wait))
                return
            heapq.heappop(bucket.waiters)
            entry = _Entry(now)
            bucket.entries.append(entry)
            future.set_result(entry)

    async def _wake(self, bucket: _Bucket, delay: float) -> None:
        await self._sleep(delay)
        bucket.timer = None
        self._pump(bucket)


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        log.debug("ignoring malformed %s header %r", name, value[:40])
        return None
    return number if math.isfinite(number) and number >= 0 else None


def retry_after_ms(headers: Mapping[str, str]) -> float | None:
    """The wait a `429` asks for (`X-RateLimit-Retry-After-Ms`, else `Retry-After` seconds),
    at most `MAX_RETRY_AFTER_MS`; None if it gave neither (or nothing readable)."""
    wait = _header_number(headers, RATE_HEADER_RETRY_MS)
    if wait is None:
        seconds = _header_number(headers, "Retry-After")
        wait = seconds * 1000 if seconds is not None else None
    if wait is not None and wait > MAX_RETRY_AFTER_MS:
        log.warning("server asked to wait %.0f ms; waiting %.0f ms", wait, MAX_RETRY_AFTER_MS)
        wait = MAX_RETRY_AFTER_MS
    return wait
