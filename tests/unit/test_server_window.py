"""The server's sliding window: exactly N accepted in every [t, t + W), refusals never count."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cdx.protocol.endpoints import ACCOUNT, MARKET, ORDER, RateGroup
from cdx.server.ratelimit import SlidingWindowLimiter


def test_accepts_the_limit_then_refuses_with_the_exact_wait() -> None:
    limiter = SlidingWindowLimiter()
    decisions = [limiter.acquire(ORDER, "demo", 1000) for _ in range(ORDER.limit)]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    refused = limiter.acquire(ORDER, "demo", 1040)
    assert not refused.accepted
    assert refused.retry_after_ms == 60
    assert refused.headers()["Retry-After"] == "1"
    assert refused.headers()["X-RateLimit-Retry-After-Ms"] == "60"


def test_window_is_half_open() -> None:
    limiter = SlidingWindowLimiter()
    assert limiter.acquire(ACCOUNT, "demo", 0).accepted
    assert not limiter.acquire(ACCOUNT, "demo", 99).accepted
    assert limiter.acquire(ACCOUNT, "demo", 100).accepted


def test_refused_requests_do_not_count() -> None:
    limiter = SlidingWindowLimiter()
    assert limiter.acquire(ACCOUNT, "demo", 0).accepted
    for t in range(1, 100, 7):
        assert not limiter.acquire(ACCOUNT, "demo", t).accepted
    assert limiter.acquire(ACCOUNT, "demo", 100).accepted


def test_keys_and_groups_are_independent() -> None:
    limiter = SlidingWindowLimiter()
    assert limiter.acquire(ACCOUNT, "a", 0).accepted
    assert limiter.acquire(ACCOUNT, "b", 0).accepted
    assert limiter.acquire(ORDER, "a", 0).accepted


def test_peek_does_not_record() -> None:
    limiter = SlidingWindowLimiter()
    assert limiter.peek(ACCOUNT, "demo", 0).remaining == 1
    assert limiter.peek(ACCOUNT, "demo", 0).remaining == 1
    assert limiter.acquire(ACCOUNT, "demo", 0).accepted


def test_retry_after_rounds_whole_seconds_up() -> None:
    limiter = SlidingWindowLimiter()
    for _ in range(MARKET.limit):
        limiter.acquire(MARKET, "127.0.0.1", 0)
    refused = limiter.acquire(MARKET, "127.0.0.1", 1)
    assert refused.retry_after_ms == 999
    assert refused.headers()["Retry-After"] == "1"


@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=200),
    st.sampled_from([ACCOUNT, ORDER, RateGroup("t", 3, 50, MARKET.keyed_by)]),
)
def test_no_window_ever_holds_more_than_the_limit(gaps: list[int], group: RateGroup) -> None:
    limiter = SlidingWindowLimiter()
    now, accepted = 0, []
    for gap in gaps:
        now += gap
        decision = limiter.acquire(group, "k", now)
        if decision.accepted:
            accepted.append(now)
        else:
            # Waiting exactly the advertised time is enough, and one ms less is not.
            wait = decision.retry_after_ms
            assert limiter.peek(group, "k", now + wait).remaining >= 1
            assert limiter.peek(group, "k", now + wait - 1).remaining == 0
    for start in accepted:
        inside = [t for t in accepted if start <= t < start + group.window_ms]
        assert len(inside) <= group.limit
