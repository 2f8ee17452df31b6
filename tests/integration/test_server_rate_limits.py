"""Server-side rate limits (PROTOCOL.md section 4) with an injected clock, so windows are exact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from cdx.server.runner import RunningExchange

Sign = Callable[..., dict[str, str]]


@pytest.fixture
async def http(frozen_exchange: RunningExchange) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as client:
        yield client


def _assert_refused(response: httpx.Response, group: str, retry_ms: int) -> None:
    assert response.status_code == 429
    body = response.json()
    assert (body["code"], body["data"]) == ("100009", None)
    assert group in body["msg"]
    assert response.headers["X-RateLimit-Group"] == group
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Retry-After-Ms"] == str(retry_ms)
    assert response.headers["Retry-After"] == str(-(-retry_ms // 1000))


async def test_market_burst_over_the_limit_is_refused_until_the_window_slides(
    http: httpx.AsyncClient, manual_clock: Any
) -> None:
    responses = await asyncio.gather(*(http.get("/v1/symbols") for _ in range(100)))
    assert all(r.status_code == 200 for r in responses)
    remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in responses)
    assert remaining == list(range(100))
    _assert_refused(await http.get("/v1/symbols"), "market", 1000)
    manual_clock.advance(999)
    _assert_refused(await http.get("/v1/ticker?symbol=btcusdt"), "market", 1)
    manual_clock.advance(1)
    accepted = await http.get("/v1/symbols")
    assert accepted.status_code == 200
    # All hundred were stamped in the same ms, so they leave the window together.
    assert accepted.headers["X-RateLimit-Remaining"] == "99"


async def test_market_limit_is_per_client_ip(
    http: httpx.AsyncClient, frozen_exchange: RunningExchange
) -> None:
    await asyncio.gather(*(http.get("/v1/symbols") for _ in range(100)))
    assert (await http.get("/v1/symbols")).status_code == 429
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url, transport=transport) as other:
        response = await other.get("/v1/symbols")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "99"


async def test_refused_market_requests_do_not_count(
    http: httpx.AsyncClient,
) -> None:
    for _ in range(120):
        assert (await http.get("/v1/ticker?symbol=btcusdt&bogus=1")).json()["code"] == "100004"
    response = await http.get("/v1/symbols")
    assert response.headers["X-RateLimit-Remaining"] == "99"


async def test_account_group_allows_one_per_100_ms(
    http: httpx.AsyncClient, manual_clock: Any, sign: Sign
) -> None:
    now = manual_clock.now_ms
    first = await http.post("/v1/account", data=sign({}, now))
    assert first.json()["code"] == "0"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    manual_clock.advance(40)
    second = await http.post("/v1/account", data=sign({}, now))
    _assert_refused(second, "account", 60)
    # The refusal did not count: the window opens exactly 100 ms after the first request.
    manual_clock.advance(60)
    third = await http.post("/v1/openOrders", data=sign({"symbol": "btcusdt"}, now))
    assert third.json()["code"] == "0"


async def test_order_group_allows_five_per_100_ms(
    http: httpx.AsyncClient, manual_clock: Any, sign: Sign
) -> None:
    now = manual_clock.now_ms
    params = {"symbol": "btcusdt"}
    for expected in range(4, -1, -1):
        response = await http.post("/v1/cancelAllOrders", data=sign(params, now))
        assert response.json()["code"] == "0"
        assert response.headers["X-RateLimit-Remaining"] == str(expected)
        manual_clock.advance(10)
    _assert_refused(await http.post("/v1/cancelAllOrders", data=sign(params, now)), "order", 50)
    manual_clock.advance(50)
    # The first of the five has left the window, so exactly one more fits.
    assert (await http.post("/v1/cancelAllOrders", data=sign(params, now))).status_code == 200
    _assert_refused(await http.post("/v1/cancelAllOrders", data=sign(params, now)), "order", 10)


async def test_groups_are_counted_separately(
    http: httpx.AsyncClient, manual_clock: Any, sign: Sign
) -> None:
    now = manual_clock.now_ms
    assert (await http.post("/v1/account", data=sign({}, now))).status_code == 200
    assert (await http.post("/v1/account", data=sign({}, now))).status_code == 429
    order = await http.post("/v1/cancelAllOrders", data=sign({"symbol": "btcusdt"}, now))
    assert order.status_code == 200
    assert (await http.get("/v1/symbols")).status_code == 200


async def test_requests_failing_authentication_do_not_count(
    http: httpx.AsyncClient, manual_clock: Any, sign: Sign
) -> None:
    now = manual_clock.now_ms
    for bad in (sign({}, now, secret="wrong"), sign({}, now - 10_000), sign({}, now, api_key="x")):
        assert (await http.post("/v1/account", data=bad)).json()["code"] != "0"
    assert (await http.post("/v1/account", data=sign({}, now))).json()["code"] == "0"
