"""One rate limiter per app that every REST call goes through (PROTOCOL.md section 4).

The groups and their limits are data in `cdx.protocol.endpoints`; this module only enforces
them. Each (group, key) pair is a sliding window: a request is let through only if fewer than
`limit` requests are in the last `window_ms + margin`. A request in flight never leaves the
window. An answered one counts from when the server may have received it: its answer's arrival
less the quickest round trip seen so far (the server received it no later than one return leg
before its answer, and the next request reaches the server no sooner than one outbound leg
after it is sent; the quickest round trip is our best figure for those two legs at their
least; it is trusted once `MIN_RTT_SAMPLES` round trips are seen, and until then a request
counts from its answer). So a slow answer, a stalled server or a spike on the network only
ever delays the next request, and the margin need only cover how far the legs' delays jitter
below that figure: a fraction of a millisecond on one quiet machine, several on a busy server.
Counting from the answer with a fixed 3 ms margin reached only 93-94 % of the account group's
rate.

The margin is learnt, per window: it is at least the limiter's (1 ms by default) and at least
the spread of recent round trips (median less quickest); and it grows when the server's answers
show it was too small: when `X-RateLimit-Remaining` says the server counted more requests in
its window than we could have sent into it, or a `429` says we were early (by the shortfall, a
step at a time, up to `MAX_LEARNED_MARGIN_MS`). For a group of one request per window (the
account group), an accepted answer always says `Remaining: 0`, so there only a `429` teaches.

Waiting requests are served highest priority first, so a user's order overtakes background
polling, and a `429` blocks the pair for as long as the server asked.

Processes on one key share their budget through `cdx.client.shared_budget` when given one:
each grant is decided and recorded under a lock on a small file, so a dashboard and a script
side by side never exceed the server's window together.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum

from cdx.client.shared_budget import (
    LockBusy,
    Record,
    SharedBudget,
    SharedWindow,
    SharingUnavailable,
)
from cdx.protocol.endpoints import (
    RATE_GROUPS,
    RATE_HEADER_LIMIT,
    RATE_HEADER_REMAINING,
    RATE_HEADER_RETRY_MS,
    RATE_HEADER_WINDOW,
    RateGroup,
)

log = logging.getLogger(__name__)

DEFAULT_MARGIN_MS = 1.0
"""Extra window length to start with: covers how far the two legs of a round trip jitter below
the quickest one seen (and the server's ms rounding); grows from the server's answers."""

MIN_RTT_SAMPLES = 8
"""Round trips seen before the quickest is trusted as the two legs at their least: until then
a request counts from its answer, which holds however the delays jitter."""

RTT_SAMPLES = 32
"""Recent round trips whose spread sets the margin."""

JITTER_FACTOR = 1.0
"""Margin kept per unit of spread (median less quickest) of recent round trips: how far the
quickest round trip's legs may sit above their least. Twice the spread was safe too, but cost
3-5 % of the rate on a busy machine; once it held every two-process test run without a 429."""

MARGIN_STEP_MS = 1.0
"""How much the margin grows when the server's `X-RateLimit-Remaining` shows it counted a
request we did not expect in its window."""

MAX_MARGIN_STEP_MS = 2.0
"""Most a single `429` adds to the margin (it adds its shortfall, up to this): a `429` caused
by another client on the key says nothing about our jitter, and is waited out anyway."""

MAX_LEARNED_MARGIN_MS = 10.0
"""Most the margin ever grows by learning: 10 % of the tightest window."""

PRECISE_WAKE_S = 0.001
"""How long before a window opens the limiter stops sleeping and yields to the event loop
until it is due (real time only; costs at most this much CPU per request, and only while
requests queue at the limit)."""

FOREIGN_POLL_S = 0.002
"""How soon to look again when only another process's request in flight stands in the way
(its completion does not wake us)."""

MAX_RETRY_AFTER_MS = 10_000.0
"""Longest wait a `429` may impose; a server asking for more (10^9 ms) is clamped (and logged),
so no request waits past this plus one window for the server's say-so."""

MAX_WINDOW_MS = 10_000
"""Longest advertised window believed (PROTOCOL.md 9.6: advertised limits win, within reason):
an hour-long window would let one request through per hour. Longer ones are clamped (and
logged); if the server really means it, its 429s (capped as above) slow us down instead."""

_EPSILON = 1e-9


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
    """One granted request: `at` is when the server may have received it; `seen` is how many
    requests (itself included) the window held when it was granted, `seq` its place among
    this window's grants: together they bound what the server can have counted."""

    at: float
    open: bool = True
    seen: int = 1
    seq: int = 0


@dataclass(slots=True)
class _Bucket:
    """The live state of one (group, key) window."""

    limit: int
    window_ms: int
    entries: list[_Entry] = field(default_factory=list)
    waiters: list[tuple[int, int, asyncio.Future[_Entry]]] = field(default_factory=list)
    min_rtt: float | None = None
    rtts: deque[float] = field(default_factory=lambda: deque(maxlen=RTT_SAMPLES))
    jitter: float = 0.0
    """Seconds of margin the spread of recent round trips calls for."""
    blocked_until: float = -math.inf
    timer: asyncio.Task[None] | None = None
    learned: float = 0.0
    """Seconds of margin learnt from the server's answers, on top of the limiter's."""
    granted: int = 0
    last_answered: _Entry | None = None
    shared: SharedWindow | None = None
    others: list[Record] = field(default_factory=list)
    """Other processes' requests in this window, as last read from the shared file."""
    unpublished: bool = False
    """Our entries changed since they were last written to the shared file."""


class RateLimiter:
    """The app's single gate for REST requests.

    `clock` (seconds) and `sleep` are injectable so tests run on a fake clock, exactly and
    instantly. When the server still says "too frequent" (another app on the same key, a
    server with stricter limits), the window is blocked for the `Retry-After` it gave and a
    stricter declared limit is adopted. With `shared`, every window is also shared with the
    other processes using the same budget files; they must read the same clock
    (`time.monotonic` is one clock for every process of a machine).
    """

    def __init__(
        self,
        groups: Iterable[RateGroup] = RATE_GROUPS,
        *,
        clock: Callable[[], float] = time.monotonic,
        margin_ms: float = DEFAULT_MARGIN_MS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedBudget | None = None,
    ) -> None:
        self._groups = {group.name: group for group in groups}
        self._shared = shared
        self._clock = clock
        self._margin = margin_ms / 1000
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._seq = itertools.count()

    @classmethod
    def shared_with_other_processes(cls, server: str) -> RateLimiter:
        """A limiter whose windows on `server` are shared with every cdx process of this user
        (through the state directory), or a per-process one if that directory is unusable."""
        return cls(shared=SharedBudget.open(server))

    def slot(
        self, group: RateGroup, key: str, priority: Priority
    ) -> AbstractAsyncContextManager[None]:
        """Wait until a request of `group` for `key` may be sent; send it inside the block.

        The request counts whether or not it then succeeds. While it is in flight it never
        leaves the window; once answered it counts from its answer less the quickest round
        trip seen (see the module docstring), so a slow send or a slow answer never lets the
        next request in early.
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
        # The server received the request no later than one return leg before its answer;
        # the next one reaches it no sooner than one outbound leg after it is sent. Count
        # this one from its answer less the quickest round trip seen (our figure for those
        # two legs at their least; the margin covers how far they jitter below it). The
        # first request, before any round trip is known, counts from its answer.
        rtt = max(self._clock() - entry.at, 0.0)
        known = len(bucket.rtts) >= MIN_RTT_SAMPLES and bucket.min_rtt is not None
        credit = bucket.min_rtt if known and bucket.min_rtt is not None else 0.0
        entry.at += max(rtt - credit, 0.0)
        bucket.min_rtt = rtt if bucket.min_rtt is None else min(bucket.min_rtt, rtt)
        bucket.rtts.append(rtt)
        if len(bucket.rtts) >= MIN_RTT_SAMPLES:
            spread = statistics.median(bucket.rtts) - bucket.min_rtt
            bucket.jitter = min(JITTER_FACTOR * spread, MAX_LEARNED_MARGIN_MS / 1000)
        entry.open = False
        bucket.unpublished = True
        bucket.last_answered = entry
        self._pump(bucket)

    def observe(self, group: RateGroup, key: str, headers: Mapping[str, str], status: int) -> None:
        """Learn from a response's `X-RateLimit-*` headers.

        A server that declares a stricter limit or longer window than ours is believed from
        then on. A `429` blocks the window for `X-RateLimit-Retry-After-Ms` (or `Retry-After`
        seconds, or one window if it gave neither) and widens the margin by its shortfall (at
        most `MAX_MARGIN_STEP_MS`). An accepted answer whose `X-RateLimit-Remaining` shows more
        requests in the server's window than we can have sent into it widens the margin by
        `MARGIN_STEP_MS`. Call it right after the `slot` block, with nothing awaited between.
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
        answered, bucket.last_answered = bucket.last_answered, None
        if status == 429:
            retry_ms = retry_after_ms(headers)
            if retry_ms is None:
                retry_ms = float(bucket.window_ms)
            until = self._clock() + retry_ms / 1000 + self._margin
            bucket.blocked_until = max(bucket.blocked_until, until)
            log.warning(
                "server said %s requests are too frequent; waiting %.0f ms", group.name, retry_ms
            )
            self._learn(bucket, group, min(retry_ms, MAX_MARGIN_STEP_MS), "a 429")
        elif answered is not None:
            remaining = _header_number(headers, RATE_HEADER_REMAINING)
            if remaining is not None and remaining <= bucket.limit:
                counted = bucket.limit - int(remaining)
                possible = answered.seen + (bucket.granted - answered.seq)
                if counted > possible:
                    self._learn(
                        bucket, group, MARGIN_STEP_MS, f"{counted} counted, {possible} sent"
                    )
        self._pump(bucket)

    def _learn(self, bucket: _Bucket, group: RateGroup, step_ms: float, why: str) -> None:
        """Widen this window's margin: the server saw our requests closer together than we
        reckoned (or another client shares the key)."""
        learned = min(bucket.learned + step_ms / 1000, MAX_LEARNED_MARGIN_MS / 1000)
        if learned > bucket.learned:
            bucket.learned = learned
            log.info(
                "server's %s window is tighter than reckoned (%s); margin now %.1f ms",
                group.name,
                why,
                (self._margin + learned) * 1000,
            )

    def margin_ms(self, group: RateGroup, key: str) -> float:
        """The margin (ms) the window of (group, key) keeps now, learnt part included."""
        bucket = self._bucket(group, key)
        return (max(self._margin, bucket.jitter) + bucket.learned) * 1000

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
            if self._shared is not None:
                bucket.shared = self._shared.window(group.name, key)
            self._buckets[(group.name, key)] = bucket
        return bucket

    def _span(self, bucket: _Bucket) -> float:
        return bucket.window_ms / 1000 + max(self._margin, bucket.jitter) + bucket.learned

    def _prune(self, bucket: _Bucket, now: float) -> None:
        span = self._span(bucket)
        bucket.entries = [e for e in bucket.entries if e.open or now - e.at < span - _EPSILON]
        bucket.others = [r for r in bucket.others if r.open or now - r.at < span - _EPSILON]

    def _remaining(self, bucket: _Bucket, now: float) -> int:
        if bucket.blocked_until > now:
            return 0
        self._prune(bucket, now)
        return max(bucket.limit - len(bucket.entries) - len(bucket.others), 0)

    def _wait_time(self, bucket: _Bucket, now: float) -> float | None:
        """Seconds until one more request fits, or None if that depends on a request still in
        flight (its completion will look again)."""
        self._prune(bucket, now)
        wait = bucket.blocked_until - now
        excess = len(bucket.entries) + len(bucket.others) - bucket.limit + 1
        if excess > 0:
            span = self._span(bucket)
            expiries = sorted(
                [e.at + span for e in bucket.entries if not e.open]
                + [r.at + span for r in bucket.others if not r.open]
            )
            if len(expiries) < excess:
                if any(r.open for r in bucket.others):
                    return max(wait, FOREIGN_POLL_S)
                return None
            wait = max(wait, expiries[excess - 1] - now)
        return wait if wait > _EPSILON else 0.0

    def _pump(self, bucket: _Bucket) -> None:
        """Grant slots to waiters, best priority first, while the window has room; otherwise
        make sure one timer will come back when it next opens. A shared window decides under
        the file's lock, on the other processes' records read under it, and records ours."""
        now = self._clock()
        shared = bucket.shared
        if shared is None:
            self._grant(bucket, now)
            return
        if not bucket.waiters and not bucket.unpublished:
            return  # nothing to decide and nothing new to tell: leave the file alone

        def decide(others: list[Record]) -> list[Record]:
            bucket.others = others
            self._grant(bucket, now)
            bucket.unpublished = False
            return [Record(e.at, e.open) for e in bucket.entries]

        try:
            keep = self._span(bucket) + MAX_LEARNED_MARGIN_MS / 1000  # others may keep more
            shared.transact(now, decide, keep)
        except LockBusy:
            self._grant(bucket, now)  # on the other processes' records as last read
        except SharingUnavailable as exc:
            log.warning("%s; rate limits are now kept per process", exc)
            self._shared = None
            for each in self._buckets.values():
                each.shared = None
                each.others = []
            self._grant(bucket, now)

    def _grant(self, bucket: _Bucket, now: float) -> None:
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
            bucket.unpublished = True
            bucket.granted += 1
            seen = len(bucket.entries) + len(bucket.others) + 1
            entry = _Entry(now, seen=seen, seq=bucket.granted)
            bucket.entries.append(entry)
            future.set_result(entry)

    async def _wake(self, bucket: _Bucket, delay: float) -> None:
        if self._sleep is asyncio.sleep and self._clock is time.monotonic:
            # The event loop's timers round their wait up to a whole millisecond (epoll), a
            # loss of about 1 % of a 100 ms window on every request: sleep to just short of
            # the due time, then yield to the loop until it has come.
            due = self._clock() + delay
            if delay > PRECISE_WAKE_S:
                await asyncio.sleep(delay - PRECISE_WAKE_S)
            while self._clock() < due:
                await asyncio.sleep(0)
        else:
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
