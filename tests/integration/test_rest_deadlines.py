"""Every REST wait ends: bodies that trickle or never end, absurd Retry-After and advertised
windows, and paged reads whose `count` never runs out (issue 10, family 4, REST side).

The server is the `hostile` front over real sockets. The rate limiter runs on a fake clock
whose `sleep` only records and advances, so a wait of 10^9 ms would show as a recorded sleep
of 10^6 s instead of hanging the test; what the client asked to wait is then asserted.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from aiohttp import web

from cdx.client.credentials import Credentials
from cdx.client.errors import BadResponse, RateLimited, TransportError
from cdx.client.ratelimit import MAX_RETRY_AFTER_MS, MAX_WINDOW_MS, RateLimiter
from cdx.client.rest import MAX_PAGES, RestClient
from cdx.model.order import OrderType, Side

DEMO = Credentials("demo", "demo-secret")
DEADLINE_S = 0.3
SLACK_S = 0.4
"""Scheduling slack allowed past a deadline on a loaded machine."""


class FakeTime:
    """The limiter's clock and sleep: sleeping advances the clock at once and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def rest(hostile, fake_time):
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)
    async with RestClient(hostile.rest_url, DEMO, limiter, timeout=DEADLINE_S) as client:
        yield client


@pytest.fixture
async def patient(hostile, fake_time):
    """For the paging cases, which are about page counts, not deadlines (a loaded machine may
    take a while to build and decode 200 orders a page)."""
    limiter = RateLimiter(clock=fake_time.clock, sleep=fake_time.sleep)
    async with RestClient(hostile.rest_url, DEMO, limiter, timeout=5.0) as client:
        yield client


async def elapsed(awaitable) -> tuple[float, BaseException | None]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        await awaitable
    except Exception as exc:
        return loop.time() - start, exc
    return loop.time() - start, None


def order_json(ident: int) -> dict[str, object]:
    return {
        "id": str(ident),
        "symbol": "btcusdt",
        "side": "BUY",
        "type": 1,
        "price": "20000.00",
        "volume": "0.010000",
        "deal_volume": "0.000000",
        "deal_money": "0",
        "avg_price": "0",
        "fee": "0",
        "fee_coin": "btc",
        "status": 1,
        "status_msg": "NEW",
        "created_at": 1_700_000_000_000 + ident,
    }


def page_answer(field: str, count: int, orders: list[dict[str, object]]) -> web.Response:
    body = {"code": "0", "msg": "suc", "data": {"count": count, field: orders}}
    return web.Response(body=json.dumps(body).encode(), content_type="application/json")


async def test_a_body_that_trickles_forever_ends_at_the_deadline(hostile, rest) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        while True:  # one byte every 20 ms: each read is quick, the body never ends
            await response.write(b" ")
            await asyncio.sleep(0.02)

    hostile.on("/v1/ticker", trickle)
    took, error = await elapsed(rest.ticker("btcusdt"))
    assert isinstance(error, TransportError), error
    assert "within 0.3 s" in str(error)
    assert took < DEADLINE_S + SLACK_S


async def test_an_endless_fast_body_ends_at_the_size_cap_or_deadline(hostile, rest) -> None:
    async def flood(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        chunk = b"[" * 65536
        while True:
            await response.write(chunk)

    hostile.on("/v1/depth", flood)
    took, error = await elapsed(rest.depth("btcusdt"))
    assert isinstance(error, (BadResponse, TransportError)), error
    assert took < DEADLINE_S + SLACK_S


async def test_a_declared_huge_body_is_refused_before_reading_it(hostile, rest) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(10**12)})
        await response.prepare(request)
        await response.write(b"{")
        await asyncio.sleep(10)
        return response

    hostile.on("/v1/trades", huge)
    took, error = await elapsed(rest.trades("btcusdt"))
    assert isinstance(error, BadResponse), error
    assert took < DEADLINE_S


async def test_headers_that_never_come_end_at_the_deadline(hostile, rest) -> None:
    async def stall(_: web.Request) -> web.StreamResponse:
        await asyncio.sleep(10)
        raise AssertionError("unreachable")

    hostile.on("/v1/account", stall)
    took, error = await elapsed(rest.account())
    assert isinstance(error, TransportError), error
    assert took < DEADLINE_S + SLACK_S


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Retry-After-Ms": "1000000000"},
        {"Retry-After": "1000000000"},
        {"X-RateLimit-Retry-After-Ms": "1e400", "Retry-After": "inf"},
        {"X-RateLimit-Retry-After-Ms": "1e300"},
    ],
)
async def test_an_absurd_retry_after_is_clamped(hostile, rest, fake_time, headers) -> None:
    async def too_many(_: web.Request) -> web.StreamResponse:
        body = b'{"code":"100009","msg":"too many","data":null}'
        return web.Response(status=429, body=body, content_type="application/json", headers=headers)

    hostile.on("/v1/account", too_many)
    took, error = await elapsed(rest.account())
    assert isinstance(error, RateLimited), error
    assert error.retry_after_ms <= MAX_RETRY_AFTER_MS
    assert fake_time.slept and max(fake_time.slept) <= MAX_RETRY_AFTER_MS / 1000 + 1
    assert took < 1.0


async def test_an_hour_long_advertised_window_is_clamped(hostile, rest, fake_time) -> None:
    account = {"total_asset": "0", "coin_list": []}
    body = json.dumps({"code": "0", "msg": "suc", "data": account}).encode()

    async def strict(_: web.Request) -> web.StreamResponse:
        return web.Response(
            body=body,
            content_type="application/json",
            headers={
                "X-RateLimit-Group": "account",
                "X-RateLimit-Limit": "1",
                "X-RateLimit-Window-Ms": str(3_600_000),
                "X-RateLimit-Remaining": "0",
            },
        )

    hostile.on("/v1/account", strict)
    for _ in range(3):
        await rest.account()
    assert rest.limiter.budgets()["account"].window_ms <= MAX_WINDOW_MS
    assert max(fake_time.slept) <= MAX_WINDOW_MS / 1000 + 1


async def test_open_orders_counting_a_billion_stop_at_the_page_limit(hostile, patient) -> None:
    pages: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        page = int((await request.post())["page"])
        pages.append(page)
        orders = [order_json(page * 1000 + i) for i in range(200)]
        return page_answer("resultList", 10**9, orders)

    hostile.on("/v1/openOrders", endless)
    listed = await patient.every_open_order("btcusdt")
    assert not listed.complete
    assert pages == list(range(1, MAX_PAGES + 1))
    assert len(listed.items) == MAX_PAGES * 200


async def test_a_server_repeating_one_page_stops_at_once(hostile, patient) -> None:
    calls: list[int] = []

    async def same(_: web.Request) -> web.StreamResponse:
        calls.append(1)
        return page_answer("orderList", 10**9, [order_json(i) for i in range(200)])

    hostile.on("/v1/allOrders", same)
    listed = await patient.every_order("btcusdt", start_ms=0)
    assert not listed.complete
    assert len(calls) == 2
    assert len(listed.items) == 200


async def test_a_short_page_under_a_large_count_is_an_incomplete_list(hostile, patient) -> None:
    async def short(_: web.Request) -> web.StreamResponse:
        return page_answer("orderList", 150, [order_json(i) for i in range(3)])

    hostile.on("/v1/allOrders", short)
    listed = await patient.every_order("btcusdt")
    assert (listed.complete, listed.pages, len(listed.items)) == (False, 1, 3)


async def test_a_real_order_list_is_complete(hostile) -> None:
    async with RestClient(hostile.rest_url, DEMO, timeout=DEADLINE_S) as rest:  # real clock
        price = Decimal("20000")
        await rest.place_order("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), price)
        listed = await rest.every_open_order("btcusdt")
    assert listed.complete and len(listed.items) == 1
