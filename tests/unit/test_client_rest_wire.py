"""What the REST client puts on the wire, checked against PROTOCOL.md itself.

The strict server here is written from the document (its own endpoint table, signature
recomputed with hashlib), not from `cdx.protocol`, so a mistake shared by our client and our
embedded exchange would still show. It answers with the document's own example payloads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from cdx.client.credentials import Credentials
from cdx.client.errors import (
    ApiError,
    AuthError,
    BadResponse,
    Baseline,
    OrderRejected,
    OrderStateUnknown,
    RateLimited,
    TransportError,
)
from cdx.client.placement import NotPlaced, Placed, Unknown, reconcile_once
from cdx.client.ratelimit import RateLimiter
from cdx.client.rest import RestClient
from cdx.model.order import OrderStatus, OrderType, Side

KEY, SECRET = "Ab9xQ2", "s3cr3t/+="
NOW_MS = 1_700_000_000_000

# path -> (method, signed, required, optional), transcribed from PROTOCOL.md section 5.
TABLE: dict[str, tuple[str, bool, set[str], set[str]]] = {
    "/v1/symbols": ("GET", False, set(), set()),
    "/v1/ticker": ("GET", False, {"symbol"}, set()),
    "/v1/depth": ("GET", False, {"symbol"}, {"type"}),
    "/v1/trades": ("GET", False, {"symbol"}, set()),
    "/v1/klines": ("GET", False, {"symbol", "period"}, set()),
    "/v1/account": ("POST", True, set(), set()),
    "/v1/showOrder": ("POST", True, {"order_id", "symbol"}, set()),
    "/v1/openOrders": ("POST", True, {"symbol"}, {"page", "pageSize"}),
    "/v1/allOrders": ("POST", True, {"symbol"}, {"startDate", "endDate", "page", "pageSize"}),
    "/v1/myTrades": ("POST", True, {"symbol"}, {"page", "pageSize"}),
    "/v1/order": ("POST", True, {"symbol", "side", "type", "volume"}, {"price"}),
    "/v1/orders/cancel": ("POST", True, {"order_id", "symbol"}, set()),
    "/v1/cancelAllOrders": ("POST", True, {"symbol"}, set()),
}

ORDER = {
    "id": "1042",
    "symbol": "btcusdt",
    "side": "BUY",
    "type": 1,
    "price": "27000.50",
    "volume": "0.010000",
    "deal_volume": "0.004000",
    "deal_money": "108.00",
    "avg_price": "27000.00",
    "fee": "0.000004",
    "fee_coin": "btc",
    "status": 3,
    "status_msg": "PART_FILLED",
    "created_at": 1700000000123,
}
FILL = {
    "id": "77",
    "symbol": "btcusdt",
    "side": "BUY",
    "price": "27000.00",
    "volume": "0.004000",
    "fee": "0.000004",
    "feeCoin": "btc",
    "ctime": 1700000000200,
    "order_id": "1042",
}
EXAMPLES: dict[str, Any] = {
    "/v1/symbols": [
        {
            "symbol": "btcusdt",
            "base_coin": "btc",
            "count_coin": "usdt",
            "price_precision": 2,
            "amount_precision": 6,
            "min_amount": "0.000100",
            "min_value": "5",
        }
    ],
    "/v1/ticker": {
        "symbol": "btcusdt",
        "time": 1700000000000,
        "open": "26810.00",
        "high": "27250.00",
        "low": "26700.00",
        "last": "27000.50",
        "buy": "27000.00",
        "sell": "27001.00",
        "vol": "1234.567800",
        "amount": "33210456.12",
        "rose": "0.0071",
    },
    "/v1/depth": {
        "tick": {
            "time": 1700000000000,
            "asks": [["27001.00", "0.250000"]],
            "bids": [["27000.00", "1.000000"]],
        }
    },
    "/v1/trades": [
        {"id": "981", "price": "27000.50", "amount": "0.010000", "side": "BUY", "ts": 1700000000000}
    ],
    "/v1/klines": [[1699999980, "26990.00", "27001.00", "26980.00", "27000.50", "1.250000"]],
    "/v1/account": {
        "total_asset": "1.52340000",
        "coin_list": [
            {"coin": "btc", "normal": "0.500000", "locked": "0.010000", "btcValuatin": "0.51"}
        ],
    },
    "/v1/showOrder": {"order_info": ORDER},
    "/v1/openOrders": {"count": 1, "resultList": [ORDER]},
    "/v1/allOrders": {"count": 1, "orderList": [ORDER]},
    "/v1/myTrades": {"count": 1, "resultList": [FILL]},
    "/v1/order": {"order_id": "1043"},
    "/v1/orders/cancel": {},
    "/v1/cancelAllOrders": {},
}


def baseline_page(_: dict[str, str]) -> httpx.Response:
    """The `allOrders` page a placement reads first for its baseline."""
    return envelope(data=EXAMPLES["/v1/allOrders"])


def envelope(
    code: str = "0", msg: str = "suc", data: Any = None, status: int = 200, **headers: str
):
    body = json.dumps({"code": code, "msg": msg, "data": data})
    return httpx.Response(status, content=body.encode(), headers=headers)


class StrictServer:
    """An httpx transport handler that refuses anything PROTOCOL.md does not allow."""

    def __init__(self) -> None:
        self.server_ms = NOW_MS
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.script: list[Callable[[dict[str, str]], httpx.Response]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = request.url.raw_path + request.read() + str(request.headers).encode()
        assert SECRET.encode() not in raw, "the secret travelled"
        path = request.url.path
        if path not in TABLE:
            return envelope("100004", "unknown path", status=404)
        method, signed, required, optional = TABLE[path]
        if request.method != method:
            return envelope("100004", "wrong method", status=405)
        if method == "GET":
            assert request.content == b""
            pairs = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        else:
            ctype = request.headers.get("content-type", "")
            if ctype.split(";")[0] != "application/x-www-form-urlencoded" or request.url.query:
                return envelope("100004", "form body only")
            pairs = parse_qsl(request.content.decode(), keep_blank_values=True)
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            return envelope("100004", "parameter given twice")
        params = {name: value for name, value in pairs if value != ""}
        allowed = required | optional | ({"api_key", "time", "sign"} if signed else set())
        if not required <= set(params) or not set(params) <= allowed:
            return envelope("100004", f"bad parameters {sorted(params)}")
        if signed:
            if params.get("api_key") != KEY:
                return envelope("100003", "unknown api_key")
            if abs(int(params["time"]) - self.server_ms) > 5000:
                return envelope("100006", f"time outside the window; server time {self.server_ms}")
            text = "".join(
                n + v for n, v in sorted(params.items(), key=lambda i: i[0].encode()) if n != "sign"
            )
            expected = hashlib.sha256((text + SECRET).encode()).hexdigest()
            if params["sign"] != expected:
                return envelope("100005", "signature does not match")
        self.seen.append((method, path, params))
        if self.script:
            return self.script.pop(0)(params)
        return envelope(data=EXAMPLES[path])


@pytest.fixture
def server() -> StrictServer:
    return StrictServer()


@pytest.fixture
async def client(server: StrictServer):
    rest = RestClient(
        "http://127.0.0.1:9",
        Credentials(KEY, SECRET),
        RateLimiter(margin_ms=0),
        clock=lambda: NOW_MS / 1000,
        transport=httpx.MockTransport(server),
    )
    yield rest
    await rest.aclose()


async def test_every_market_endpoint_is_a_plain_get_with_its_parameters(client, server) -> None:
    assert (await client.symbols())[0].min_amount == Decimal("0.000100")
    assert (await client.ticker("btcusdt")).last == Decimal("27000.50")
    assert (await client.depth("btcusdt", 2)).best_bid == Decimal("27000.00")
    assert (await client.trades("btcusdt"))[0].side is Side.BUY
    assert (await client.klines("btcusdt", 5))[0].close == Decimal("27000.50")
    assert [(m, p, params) for m, p, params in server.seen] == [
        ("GET", "/v1/symbols", {}),
        ("GET", "/v1/ticker", {"symbol": "btcusdt"}),
        ("GET", "/v1/depth", {"symbol": "btcusdt", "type": "step2"}),
        ("GET", "/v1/trades", {"symbol": "btcusdt"}),
        ("GET", "/v1/klines", {"symbol": "btcusdt", "period": "5"}),
    ]


async def test_every_account_endpoint_is_a_signed_form_post(client, server) -> None:
    account = await client.account()
    assert account.balance("btc").locked == Decimal("0.010000")
    order = await client.show_order("btcusdt", "1042")
    assert order.status is OrderStatus.PART_FILLED
    page = await client.open_orders("btcusdt", page=2, page_size=50)
    assert (page.count, page.items[0].id) == (1, "1042")
    page = await client.all_orders("btcusdt", start_ms=NOW_MS - 60_000)
    assert page.items[0].deal_money == Decimal("108.00")
    fills = await client.my_trades("btcusdt")
    assert fills.items[0].order_id == "1042"
    sent = {path: params for _, path, params in server.seen}
    assert sent["/v1/openOrders"]["page"] == "2"
    assert sent["/v1/openOrders"]["pageSize"] == "50"
    assert sent["/v1/allOrders"]["startDate"] == str(NOW_MS - 60_000)
    assert "endDate" not in sent["/v1/allOrders"]
    assert all(params["api_key"] == KEY for params in sent.values())


async def test_limit_order_is_sent_exactly_as_typed(client, server) -> None:
    order_id = await client.place_order(
        "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.0100"), Decimal("27000.50")
    )
    assert order_id == "1043"
    _, path, params = server.seen[-1]
    assert path == "/v1/order"
    assert {k: params[k] for k in ("symbol", "side", "type", "volume", "price")} == {
        "symbol": "btcusdt",
        "side": "BUY",
        "type": "1",
        "volume": "0.0100",
        "price": "27000.50",
    }


async def test_market_order_sends_no_price(client, server) -> None:
    await client.place_order("ethusdt", Side.BUY, OrderType.MARKET, Decimal("250.00"), None)
    _, _, params = server.seen[-1]
    assert "price" not in params
    assert params["type"] == "2"


async def test_cancels_are_signed_posts(client, server) -> None:
    await client.cancel_order("btcusdt", "1042")
    await client.cancel_all("btcusdt")
    assert [(p, params.get("order_id")) for _, p, params in server.seen] == [
        ("/v1/orders/cancel", "1042"),
        ("/v1/cancelAllOrders", None),
    ]


async def test_time_refusal_corrects_the_clock_and_retries_once(client, server) -> None:
    server.server_ms = NOW_MS + 41_000
    await client.account()
    assert client.clock_offset_ms == 41_000
    await client.account()  # the next request is right the first time
    assert len(server.seen) == 2


async def test_time_refusal_without_a_server_time_names_the_clock(server) -> None:
    server.server_ms = NOW_MS + 41_000
    rest = RestClient(
        "http://127.0.0.1:9",
        Credentials(KEY, SECRET),
        clock=lambda: NOW_MS / 1000,
        transport=httpx.MockTransport(server),
        correct_clock=False,
    )
    with pytest.raises(AuthError, match="your clock is 41 s behind the server"):
        await rest.account()
    await rest.aclose()


async def test_wrong_secret_is_an_auth_error_naming_the_secret(server) -> None:
    rest = RestClient(
        "http://127.0.0.1:9",
        Credentials(KEY, "wrong"),
        clock=lambda: NOW_MS / 1000,
        transport=httpx.MockTransport(server),
    )
    with pytest.raises(AuthError, match="CDX_API_SECRET") as info:
        await rest.account()
    assert "wrong" not in str(info.value) and "wrong" not in repr(info.value)
    await rest.aclose()


async def test_signed_call_without_keys_says_keys_are_needed() -> None:
    rest = RestClient("http://127.0.0.1:9", None, transport=httpx.MockTransport(StrictServer()))
    assert rest.read_only
    with pytest.raises(AuthError, match="CDX_API_KEY"):
        await rest.account()
    await rest.aclose()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("100001", ApiError),
        ("100002", ApiError),
        ("100003", AuthError),
        ("100004", ApiError),
        ("100005", AuthError),
        ("100007", AuthError),
        ("110002", OrderRejected),
        ("110003", OrderRejected),
        ("110004", OrderRejected),
        ("110005", OrderRejected),
        ("110006", OrderRejected),
        ("110007", OrderRejected),
    ],
)
async def test_every_error_code_becomes_its_typed_error(client, server, code, error) -> None:
    status = {"100001": 500, "100002": 503}.get(code, 200)
    server.script.append(lambda _: envelope(code, "the server's words", status=status))
    with pytest.raises(error) as info:
        await client.cancel_order("btcusdt", "1042")
    assert type(info.value) is error
    assert info.value.code == code
    assert "the server's words" in str(info.value)


async def test_429_is_retried_after_the_servers_wait(client, server) -> None:
    refusal = envelope("100009", "too frequent", status=429, **{"Retry-After": "1"})
    refusal.headers["X-RateLimit-Retry-After-Ms"] = "5"
    server.script.append(lambda _: refusal)
    assert (await client.account()).total_asset == Decimal("1.52340000")
    assert len(server.seen) == 2


async def test_persistent_429_raises_rate_limited_with_the_wait(client, server) -> None:
    def refuse(_: dict[str, str]) -> httpx.Response:
        response = envelope("100009", "too frequent", status=429)
        response.headers["X-RateLimit-Retry-After-Ms"] = "3"
        return response

    server.script.extend([refuse] * 3)
    with pytest.raises(RateLimited) as info:
        await client.account()
    assert info.value.retry_after_ms == 3


async def test_lost_placement_is_unknown_and_never_resent(client, server) -> None:
    def lose(_: dict[str, str]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    server.script.extend([baseline_page, lose])
    with pytest.raises(OrderStateUnknown) as info:
        await client.place_order(
            "btcusdt", Side.SELL, OrderType.LIMIT, Decimal("0.5"), Decimal("27000.50")
        )
    assert [path for _, path, _ in server.seen] == ["/v1/allOrders", "/v1/order"]
    unknown = info.value
    assert (unknown.symbol, unknown.side, unknown.sent_at_ms) == ("btcusdt", Side.SELL, NOW_MS)
    assert unknown.baseline == Baseline("1042")  # the newest order before the send


async def test_lost_read_is_a_transport_error(client, server) -> None:
    def lose(_: dict[str, str]) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    server.script.append(lose)
    with pytest.raises(TransportError):
        await client.account()


async def test_body_that_is_not_an_envelope_is_a_bad_response(client, server) -> None:
    server.script.append(lambda _: httpx.Response(502, content=b"<html>bad gateway</html>"))
    with pytest.raises(BadResponse, match="502"):
        await client.ticker("btcusdt")


async def test_missing_field_is_a_bad_response_not_a_half_value(client, server) -> None:
    broken = dict(EXAMPLES["/v1/ticker"])
    del broken["last"]
    server.script.append(lambda _: envelope(data=broken))
    with pytest.raises(BadResponse, match="last"):
        await client.ticker("btcusdt")


async def test_json_numbers_are_read_without_binary_floats(client, server) -> None:
    body = b'{"code":"0","msg":"suc","data":{"order_id":1043}}'
    server.script.extend([baseline_page, lambda _: httpx.Response(200, content=body)])
    assert (
        await client.place_order(
            "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.1"), Decimal("0.1")
        )
        == "1043"
    )


async def test_reconcile_finds_the_order_a_lost_placement_created(client, server) -> None:
    # Sent long enough ago that it can no longer execute, so absence is proof.
    sent_at_ms = NOW_MS - client.placement_horizon_ms
    unknown = OrderStateUnknown(
        "btcusdt",
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.01"),
        Decimal("27000.5"),
        sent_at_ms,
        baseline=Baseline("1041"),
    )
    outcome = await reconcile_once(client, unknown, wait=True)
    assert isinstance(outcome, Placed) and outcome.order_id == "1042"
    excluded = await reconcile_once(client, unknown, exclude={"1042"}, wait=True)
    assert isinstance(excluded, NotPlaced)
    _, path, params = server.seen[-1]
    assert path == "/v1/allOrders"
    assert int(params["startDate"]) <= sent_at_ms


async def test_reconcile_never_claims_an_order_older_than_the_send(client, server) -> None:
    sent_at_ms = NOW_MS - client.placement_horizon_ms
    unknown = OrderStateUnknown(
        "btcusdt",
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.01"),
        Decimal("27000.5"),
        sent_at_ms,
        baseline=Baseline("1042"),  # order 1042 existed before the send
    )
    assert isinstance(await reconcile_once(client, unknown, wait=True), NotPlaced)
    without_baseline = OrderStateUnknown(
        "btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("27000.5"), sent_at_ms
    )
    outcome = await reconcile_once(client, without_baseline, wait=True)
    assert isinstance(outcome, Unknown) and "may predate the send" in str(outcome.lost)


async def test_prices_sent_as_json_numbers_stay_exact(client, server) -> None:
    body = json.dumps(EXAMPLES["/v1/ticker"]).replace('"27000.50"', "27000.50")
    raw = b'{"code":"0","msg":"suc","data":' + body.encode() + b"}"
    server.script.append(lambda _: httpx.Response(200, content=raw))
    ticker = await client.ticker("btcusdt")
    assert str(ticker.last) == "27000.50"
