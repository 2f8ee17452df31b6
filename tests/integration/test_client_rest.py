"""The REST client against the embedded exchange over loopback: every endpoint, every error
code the exchange can produce, a lost placement, and the shared rate limit."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import pytest

from cdx.client.credentials import Credentials
from cdx.client.errors import (
    ApiError,
    AuthError,
    OrderRejected,
    OrderStateUnknown,
    TransportError,
)
from cdx.client.placement import NotPlaced, Placed, reconcile_once
from cdx.client.ratelimit import RateLimiter
from cdx.client.rest import RestClient
from cdx.model.order import OrderStatus, OrderType, Side
from cdx.protocol.endpoints import ACCOUNT

DEMO = Credentials("demo", "demo-secret")
FAR_BID = Decimal("20000.00")  # far below the btcusdt market: rests without filling


class StatusRecorder(httpx.AsyncBaseTransport):
    """Passes requests to the real network and remembers every HTTP status."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def client(exchange):
    async with RestClient(exchange.rest_url, DEMO) as rest:
        yield rest


async def test_market_data_comes_back_as_model_objects(client) -> None:
    symbols = await client.symbols()
    btc = next(s for s in symbols if s.name == "btcusdt")
    assert (btc.base, btc.quote, btc.price_precision) == ("btc", "usdt", 2)
    ticker = await client.ticker(btc)
    assert ticker.low <= ticker.last <= ticker.high
    for step in (0, 1, 2):
        book = await client.depth(btc, step)
        assert book.best_bid < book.best_ask
    assert len(await client.trades(btc)) > 0
    bars = await client.klines(btc, 5)
    assert bars == sorted(bars, key=lambda bar: bar.open_time)


async def test_market_data_works_without_keys(exchange) -> None:
    async with RestClient(exchange.rest_url) as rest:
        assert rest.read_only
        assert (await rest.ticker("ethusdt")).symbol == "ethusdt"
        with pytest.raises(AuthError, match="CDX_API_KEY"):
            await rest.account()


async def test_place_see_and_cancel_an_order(client) -> None:
    before = (await client.account()).balance("usdt")
    order_id = await client.place_order(
        "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.010000"), FAR_BID
    )
    order = await client.show_order("btcusdt", order_id)
    assert (order.status, order.price, order.volume) == (OrderStatus.NEW, FAR_BID, Decimal("0.01"))
    assert order_id in [o.id for o in (await client.open_orders("btcusdt")).items]
    assert (await client.account()).balance("usdt").locked == before.locked + Decimal("200")
    await client.cancel_order("btcusdt", order_id)
    assert (await client.show_order("btcusdt", order_id)).status is OrderStatus.CANCELED
    assert order_id in [o.id for o in (await client.all_orders("btcusdt")).items]


async def test_cancel_all_empties_the_open_orders(client) -> None:
    for _ in range(3):
        await client.place_order("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), FAR_BID)
    assert (await client.open_orders("btcusdt")).count == 3
    await client.cancel_all("btcusdt")
    assert (await client.open_orders("btcusdt")).count == 0


async def test_market_order_fills_and_shows_in_my_trades(client) -> None:
    order_id = await client.place_order(
        "btcusdt", Side.SELL, OrderType.MARKET, Decimal("0.001000"), None
    )
    order = await client.show_order("btcusdt", order_id)
    assert order.status is OrderStatus.FILLED
    fills = await client.my_trades("btcusdt")
    assert order_id in {fill.order_id for fill in fills.items}


async def test_paging_splits_open_orders(client) -> None:
    for _ in range(3):
        await client.place_order("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), FAR_BID)
    first = await client.open_orders("btcusdt", page=1, page_size=2)
    second = await client.open_orders("btcusdt", page=2, page_size=2)
    assert (first.count, len(first.items), len(second.items)) == (3, 2, 1)


@pytest.mark.parametrize(
    ("volume", "price", "code"),
    [
        (Decimal("0.0000001"), FAR_BID, "110003"),
        (Decimal("0.0001"), Decimal("1.00"), "110004"),
        (Decimal("1000"), FAR_BID, "110005"),
    ],
    ids=["precision", "too-small", "balance"],
)
async def test_refused_order_names_the_cause(client, volume, price, code) -> None:
    with pytest.raises(OrderRejected) as info:
        await client.place_order("btcusdt", Side.BUY, OrderType.LIMIT, volume, price)
    assert info.value.code == code
    assert info.value.msg  # the server's words reach the user


async def test_unknown_symbol_is_refused(client) -> None:
    with pytest.raises(OrderRejected) as info:
        await client.place_order("nosuchusdt", Side.BUY, OrderType.LIMIT, Decimal("1"), FAR_BID)
    assert info.value.code == "110002"


async def test_cancelling_an_unknown_or_final_order_is_refused(client) -> None:
    with pytest.raises(OrderRejected) as info:
        await client.cancel_order("btcusdt", "987654321")
    assert info.value.code == "110006"
    order_id = await client.place_order(
        "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), FAR_BID
    )
    await client.cancel_order("btcusdt", order_id)
    with pytest.raises(OrderRejected) as info:
        await client.cancel_order("btcusdt", order_id)
    assert info.value.code == "110007"


async def test_page_size_over_the_maximum_is_a_parameter_error(client) -> None:
    with pytest.raises(ApiError) as info:
        await client.open_orders("btcusdt", page_size=500)
    assert info.value.code == "100004"
    assert "pageSize" in info.value.msg


async def test_unknown_key_and_wrong_secret_are_auth_errors(exchange) -> None:
    async with RestClient(exchange.rest_url, Credentials("nobody", "x")) as rest:
        with pytest.raises(AuthError, match="CDX_API_KEY") as info:
            await rest.account()
        assert info.value.code == "100003"
    async with RestClient(exchange.rest_url, Credentials("demo", "not-the-secret")) as rest:
        with pytest.raises(AuthError, match="CDX_API_SECRET") as info:
            await rest.account()
        assert info.value.code == "100005"
        assert "not-the-secret" not in str(info.value)


async def test_clock_41_s_behind_is_corrected_once(exchange) -> None:
    skewed = RestClient(exchange.rest_url, DEMO, clock=lambda: time.time() - 41.0)
    async with skewed:
        await skewed.account()
        assert skewed.clock_offset_ms == pytest.approx(41_000, abs=1000)


async def test_clock_skew_without_correction_says_how_far_off(exchange) -> None:
    skewed = RestClient(
        exchange.rest_url, DEMO, clock=lambda: time.time() - 41.0, correct_clock=False
    )
    async with skewed:
        with pytest.raises(AuthError, match="your clock is 41 s behind the server"):
            await skewed.account()


async def test_unavailable_server_is_an_api_error_and_nothing_happens(client, exchange) -> None:
    exchange.faults.rest_fail_next = 1
    with pytest.raises(ApiError) as info:
        await client.account()
    assert info.value.code == "100002"
    assert (await client.open_orders("btcusdt")).count == 0


async def test_placement_answered_503_is_unknown_not_refused(client, exchange) -> None:
    # A 5xx does not prove the order was not executed (issue 10, family 2).
    exchange.faults.rest_fail_next = 2  # the baseline read, then the placement
    with pytest.raises(OrderStateUnknown) as info:
        await client.place_order("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), FAR_BID)
    assert "503" in info.value.cause
    assert (await client.open_orders("btcusdt")).count == 0


async def test_lost_placement_is_unknown_then_reconciled_without_a_resend(hostile) -> None:
    async def executed_then_silent(request):
        await hostile.forward(request)
        await asyncio.sleep(2.0)  # longer than the client's deadline
        raise AssertionError("the client gave up first")

    hostile.on("/v1/order", executed_then_silent)
    async with RestClient(hostile.rest_url, DEMO, timeout=1.0) as rest:
        with pytest.raises(OrderStateUnknown) as info:
            await rest.place_order("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.02"), FAR_BID)
        outcome = await reconcile_once(rest, info.value, wait=True)
        assert isinstance(outcome, Placed) and outcome.order is not None
        order = outcome.order
        assert (order.side, order.volume, order.price) == (Side.BUY, Decimal("0.02"), FAR_BID)
        assert (await rest.open_orders("btcusdt")).count == 1


async def test_reconcile_reports_an_order_that_was_never_placed(client) -> None:
    # Sent long enough ago that it can no longer execute: absence is proof.
    sent_at_ms = client.now_ms() - client.placement_horizon_ms
    unknown = OrderStateUnknown(
        "btcusdt", Side.SELL, OrderType.LIMIT, Decimal("0.03"), Decimal("99999.00"), sent_at_ms
    )
    assert isinstance(await reconcile_once(client, unknown, wait=True), NotPlaced)


async def test_unreachable_server_is_a_transport_error() -> None:
    async with RestClient("http://127.0.0.1:9", DEMO, timeout=2.0) as rest:
        with pytest.raises(TransportError, match="cannot reach"):
            await rest.ticker("btcusdt")


async def test_concurrent_polls_stay_within_the_account_limit(exchange) -> None:
    recorder = StatusRecorder()
    async with RestClient(exchange.rest_url, DEMO, transport=recorder) as rest:
        await asyncio.gather(*(rest.account() for _ in range(15)))
        assert recorder.statuses == [200] * 15
        budget = rest.limiter.budgets()["account"]
        assert (budget.limit, budget.window_ms) == (ACCOUNT.limit, ACCOUNT.window_ms)


async def test_a_burst_of_market_requests_stays_within_the_market_limit(exchange) -> None:
    recorder = StatusRecorder()
    async with RestClient(exchange.rest_url, transport=recorder) as rest:
        await asyncio.gather(*(rest.ticker("btcusdt") for _ in range(150)))
    assert recorder.statuses == [200] * 150


async def test_429_from_another_app_on_the_same_key_is_waited_out(exchange) -> None:
    recorder = StatusRecorder()
    other = RestClient(exchange.rest_url, DEMO, RateLimiter(), transport=recorder)
    ours = RestClient(exchange.rest_url, DEMO, RateLimiter(), transport=recorder)
    async with other, ours:
        await other.account()  # takes the key's account window; our limiter cannot know
        await ours.account()
    assert recorder.statuses == [200, 429, 200]
