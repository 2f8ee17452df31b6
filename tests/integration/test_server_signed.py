"""Signed account and order endpoints: what a user's requests do, and every way they are refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from cdx.server.runner import RunningExchange

FORM = "application/x-www-form-urlencoded"
API_SECRET = "demo-secret"
Sign = Callable[..., dict[str, str]]


class Api:
    """Raw signed POSTs to the frozen exchange; each moves the clock past the account window."""

    def __init__(self, client: httpx.AsyncClient, clock: Any, sign: Sign) -> None:
        self.client = client
        self.clock = clock
        self.signed = sign

    async def post(self, path: str, params: dict[str, str], **sign: Any) -> httpx.Response:
        self.clock.advance(100)
        return await self.client.post(path, data=self.signed(params, self.clock.now_ms, **sign))

    async def data(self, path: str, params: dict[str, str]) -> Any:
        body = (await self.post(path, params)).json()
        assert body["code"] == "0", body
        return body["data"]

    async def balance(self, coin: str) -> tuple[Decimal, Decimal]:
        coins = (await self.data("/v1/account", {}))["coin_list"]
        item = next(c for c in coins if c["coin"] == coin)
        return Decimal(item["normal"]), Decimal(item["locked"])

    async def limit(self, side: str, volume: str, price: str, symbol: str = "btcusdt") -> str:
        params = {"symbol": symbol, "side": side, "type": "1", "volume": volume, "price": price}
        return str((await self.data("/v1/order", params))["order_id"])

    async def open_orders(self, **extra: str) -> Any:
        return await self.data("/v1/openOrders", {"symbol": "btcusdt", **extra})


@pytest.fixture
async def api(
    frozen_exchange: RunningExchange, manual_clock: Any, sign: Sign
) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as client:
        yield Api(client, manual_clock, sign)


async def test_account_shows_the_demo_balances(api: Api) -> None:
    data = await api.data("/v1/account", {})
    coins = {item["coin"]: item for item in data["coin_list"]}
    assert coins["usdt"]["normal"] == "100000" and coins["usdt"]["locked"] == "0"
    assert coins["btc"]["normal"] == "2"
    assert Decimal(data["total_asset"]) > 2
    assert set(coins["btc"]) == {"coin", "normal", "locked", "btcValuatin"}


async def test_limit_buy_rests_locks_quote_and_cancels(api: Api) -> None:
    order_id = await api.limit("BUY", "0.010000", "20000.00")
    assert order_id.isdigit()
    assert await api.balance("usdt") == (Decimal("99800"), Decimal("200"))
    listed = await api.open_orders()
    assert listed["count"] == 1
    order = listed["resultList"][0]
    assert order["id"] == order_id
    assert (order["side"], order["type"], order["price"], order["volume"]) == (
        "BUY",
        1,
        "20000.00",
        "0.010000",
    )
    assert (order["status"], order["status_msg"]) == (1, "NEW")
    shown = await api.data("/v1/showOrder", {"symbol": "btcusdt", "order_id": order_id})
    assert shown["order_info"] == order
    assert await api.data("/v1/orders/cancel", {"symbol": "btcusdt", "order_id": order_id}) == {}
    shown = await api.data("/v1/showOrder", {"symbol": "btcusdt", "order_id": order_id})
    assert shown["order_info"]["status_msg"] == "CANCELED"
    assert await api.balance("usdt") == (Decimal("100000"), Decimal("0"))


async def test_cancel_twice_and_unknown_orders(api: Api) -> None:
    order_id = await api.limit("SELL", "0.010000", "40000.00")
    await api.data("/v1/orders/cancel", {"symbol": "btcusdt", "order_id": order_id})
    again = await api.post("/v1/orders/cancel", {"symbol": "btcusdt", "order_id": order_id})
    assert again.json()["code"] == "110007"
    unknown = await api.post("/v1/orders/cancel", {"symbol": "btcusdt", "order_id": "999999"})
    assert unknown.json()["code"] == "110006"
    shown = await api.post("/v1/showOrder", {"symbol": "btcusdt", "order_id": "999999"})
    assert shown.json()["code"] == "110006"


async def test_market_buy_spends_quote_amount_and_records_fills(api: Api) -> None:
    before_usdt, _ = await api.balance("usdt")
    before_btc, _ = await api.balance("btc")
    params = {"symbol": "btcusdt", "side": "BUY", "type": "2", "volume": "1000.00"}
    order_id = (await api.data("/v1/order", params))["order_id"]
    order = (await api.data("/v1/showOrder", {"symbol": "btcusdt", "order_id": order_id}))[
        "order_info"
    ]
    assert order["price"] == "0.00" and order["status_msg"] in ("FILLED", "EXPIRED")
    spent = Decimal(order["deal_money"])
    assert 0 < spent <= 1000
    after_usdt, _ = await api.balance("usdt")
    after_btc, _ = await api.balance("btc")
    assert after_usdt == before_usdt - spent
    assert after_btc > before_btc
    fills = await api.data("/v1/myTrades", {"symbol": "btcusdt"})
    assert fills["count"] >= 1
    fill = fills["resultList"][0]
    assert fill["order_id"] == order_id and fill["feeCoin"] == "btc"
    assert set(fill) == {
        "id",
        "symbol",
        "side",
        "price",
        "volume",
        "fee",
        "feeCoin",
        "ctime",
        "order_id",
    }


async def test_cancel_all_empties_the_open_orders(api: Api) -> None:
    for price in ("20000.00", "20001.00"):
        await api.limit("BUY", "0.001000", price)
    assert await api.data("/v1/cancelAllOrders", {"symbol": "btcusdt"}) == {}
    assert (await api.open_orders())["count"] == 0


async def test_open_orders_pages_newest_first(api: Api) -> None:
    ids = [await api.limit("BUY", "0.001000", f"2000{i}.00") for i in range(3)]
    first = await api.open_orders(pageSize="2")
    second = await api.open_orders(pageSize="2", page="2")
    assert first["count"] == second["count"] == 3
    assert [o["id"] for o in first["resultList"] + second["resultList"]] == ids[::-1]
    beyond = await api.open_orders(pageSize="2", page="3")
    assert beyond == {"count": 3, "resultList": []}


async def test_all_orders_filters_by_creation_time(api: Api) -> None:
    early = await api.limit("BUY", "0.001000", "20000.00")
    cut = api.clock.now_ms + 50
    late = await api.limit("BUY", "0.001000", "20001.00")
    await api.data("/v1/orders/cancel", {"symbol": "btcusdt", "order_id": early})
    every = await api.data("/v1/allOrders", {"symbol": "btcusdt"})
    assert [o["id"] for o in every["orderList"]] == [late, early]
    assert every["count"] == 2
    after = await api.data("/v1/allOrders", {"symbol": "btcusdt", "startDate": str(cut)})
    assert [o["id"] for o in after["orderList"]] == [late]
    before = await api.data("/v1/allOrders", {"symbol": "btcusdt", "endDate": str(cut)})
    assert [o["id"] for o in before["orderList"]] == [early]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"symbol": "dogeusdt"}, "110002"),
        ({"volume": "NaN"}, "110003"),
        ({"volume": "1e3"}, "110003"),
        ({"volume": "-1"}, "110003"),
        ({"volume": "0"}, "110003"),
        ({"volume": "0.0000001"}, "110003"),
        ({"price": "20000.001"}, "110003"),
        ({"price": "Infinity"}, "110003"),
        ({"volume": "0.000010"}, "110004"),
        ({"volume": "50"}, "110005"),
        ({"volume": ""}, "100004"),
        ({"price": ""}, "100004"),
        ({"side": "buy"}, "100004"),
        ({"type": "3"}, "100004"),
        # rev 2: a market order's price is ignored; its 6-decimal quote amount is not.
        ({"type": "2"}, "110003"),
        ({"fee_is_user_exchange_coin": "2"}, "100004"),
        ({"fee_is_user_exchange_coin": "yes"}, "100004"),
    ],
)
async def test_refused_orders_change_nothing(api: Api, changes: dict[str, str], code: str) -> None:
    params = {"symbol": "btcusdt", "side": "BUY", "type": "1", "volume": "0.010000"}
    params["price"] = "20000.00"
    params.update(changes)
    balance = await api.balance("usdt")
    body = (await api.post("/v1/order", params)).json()
    assert (body["code"], body["data"]) == (code, None)
    assert body["msg"]
    assert await api.balance("usdt") == balance
    assert (await api.data("/v1/allOrders", {"symbol": "btcusdt"}))["count"] == 0


async def test_unknown_api_key(api: Api) -> None:
    response = await api.post("/v1/account", {}, api_key="nobody")
    assert response.json()["code"] == "100003"


async def test_time_outside_window_names_the_server_time(api: Api) -> None:
    api.clock.advance(100)
    now = api.clock.now_ms
    stale = await api.client.post("/v1/account", data=api.signed({}, now - 5001))
    body = stale.json()
    assert body["code"] == "100006" and str(now) in body["msg"]
    edge = await api.client.post("/v1/account", data=api.signed({}, now + 5000))
    assert edge.json()["code"] == "0"


@pytest.mark.parametrize("time", ["1.7e12", "-1700000000000", "abc", "1700000000000.0"])
async def test_time_must_be_decimal_integer(api: Api, time: str) -> None:
    params = api.signed({}, api.clock.now_ms)
    params["time"] = time
    response = await api.client.post("/v1/account", data=params)
    assert response.json()["code"] == "100004"


async def test_wrong_secret_is_bad_signature_and_leaks_nothing(api: Api) -> None:
    response = await api.post("/v1/account", {}, secret="wrong-secret")
    body = response.json()
    assert body["code"] == "100005"
    assert API_SECRET not in response.text and "wrong-secret" not in response.text


async def test_tampered_parameter_is_bad_signature(api: Api) -> None:
    api.clock.advance(100)
    params = api.signed(
        {"symbol": "btcusdt", "side": "BUY", "type": "1", "volume": "0.010000", "price": "1.00"},
        api.clock.now_ms,
    )
    params["price"] = "2.00"
    response = await api.client.post("/v1/order", data=params)
    assert response.json()["code"] == "100005"


async def test_checks_run_in_protocol_order(api: Api) -> None:
    """Each request fails two checks; the earlier one in PROTOCOL.md section 3 answers."""
    clock = api.clock
    clock.advance(1000)
    now = clock.now_ms

    async def send(params: dict[str, str]) -> str:
        return str((await api.client.post("/v1/account", data=params)).json()["code"])

    # bad parameter beats unknown key
    params = api.signed({}, now, api_key="nobody")
    params["extra"] = "1"
    assert await send(params) == "100004"
    # unknown key beats time window
    assert await send(api.signed({}, now - 60_000, api_key="nobody")) == "100003"
    # time window beats signature
    assert await send(api.signed({}, now - 60_000, secret="wrong")) == "100006"
    # signature beats rate limit
    assert await send(api.signed({}, now)) == "0"
    assert await send(api.signed({}, now, secret="wrong")) == "100005"
    # rate limit beats the endpoint's own rules
    order = {"symbol": "dogeusdt", "side": "BUY", "type": "1", "volume": "1", "price": "1"}
    for _ in range(5):
        await api.client.post("/v1/order", data=api.signed(order, now))
    limited = await api.client.post("/v1/order", data=api.signed(order, now))
    assert limited.status_code == 429 and limited.json()["code"] == "100009"


async def test_post_needs_a_form_body(api: Api) -> None:
    api.clock.advance(100)
    params = api.signed({}, api.clock.now_ms)
    as_json = await api.client.post("/v1/account", content=json.dumps(params))
    assert as_json.json()["code"] == "100004"
    json_typed = await api.client.post(
        "/v1/account", content=json.dumps(params), headers={"Content-Type": "application/json"}
    )
    assert json_typed.json()["code"] == "100004"
    in_query = await api.client.post("/v1/account", params=params, headers={"Content-Type": FORM})
    assert in_query.json()["code"] == "100004"
    both = await api.client.post("/v1/account?x=1", data=params)
    assert both.json()["code"] == "100004"


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage", b"api_key=demo&&&", b'{"api_key": "demo"}', b"api_key=%FF"],
)
async def test_garbage_bodies_are_refused(api: Api, body: bytes) -> None:
    response = await api.client.post("/v1/account", content=body, headers={"Content-Type": FORM})
    assert response.status_code == 200
    assert response.json()["code"] == "100004"


async def test_oversized_body_is_413(api: Api) -> None:
    body = b"symbol=" + b"a" * (1024 * 1024 + 10)
    response = await api.client.post("/v1/account", content=body, headers={"Content-Type": FORM})
    assert response.status_code == 413
    assert response.headers["X-RateLimit-Group"] == "account"


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/v1/openOrders", {"pageSize": "0"}),
        ("/v1/openOrders", {"pageSize": "201"}),
        ("/v1/allOrders", {"page": "0"}),
        ("/v1/myTrades", {"page": "-1"}),
        ("/v1/allOrders", {"startDate": "yesterday"}),
        ("/v1/showOrder", {"order_id": "12a"}),
        ("/v1/showOrder", {}),
    ],
)
async def test_bad_paging_and_ids_are_refused(api: Api, path: str, extra: dict[str, str]) -> None:
    body = (await api.post(path, {"symbol": "btcusdt", **extra})).json()
    assert body["code"] == "100004"


async def test_page_size_200_is_accepted(api: Api) -> None:
    await api.limit("BUY", "0.001000", "20000.00")
    listed = await api.open_orders(pageSize="200", page="1")
    assert listed["count"] == 1 and len(listed["resultList"]) == 1


async def test_unexpected_error_is_500_envelope(
    api: Api, frozen_exchange: RunningExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(api_key: str) -> None:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(frozen_exchange.engine, "account", broken)
    response = await api.post("/v1/account", {})
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "100001" and "engine bug" not in body["msg"]
    assert response.headers["X-RateLimit-Group"] == "account"
    monkeypatch.undo()
    assert (await api.post("/v1/account", {})).json()["code"] == "0"


async def test_signed_responses_carry_their_group_headers(api: Api) -> None:
    account = await api.post("/v1/account", {})
    assert account.headers["X-RateLimit-Group"] == "account"
    assert account.headers["X-RateLimit-Remaining"] == "0"
    order = await api.post("/v1/cancelAllOrders", {"symbol": "btcusdt"})
    assert order.headers["X-RateLimit-Group"] == "order"
    assert order.headers["X-RateLimit-Limit"] == "5"
    assert order.headers["X-RateLimit-Remaining"] == "4"
    refused = await api.post("/v1/account", {}, secret="bad")
    assert refused.headers["X-RateLimit-Remaining"] == "1"
