"""Revision 2 of PROTOCOL.md against the embedded exchange, over real sockets.

The client here is written from the document's text alone: raw httpx and websockets, requests
signed by the `sign` fixture (section 3 spelled out in tests/integration/conftest.py), JSON
read with the standard library. Nothing of `cdx.client` or `cdx.protocol` is used to talk or to
judge the answers, so a mistake the server shares with our own client cannot hide.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from cdx.server.runner import RunningExchange, SimConfig, start_exchange

Message = dict[str, Any]
Sign = Callable[..., dict[str, str]]

PRICE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
"""A decimal string as section 2 writes them: no sign, no exponent."""


class Wire:
    """Raw requests to the frozen exchange; each moves its clock past the account window."""

    def __init__(self, client: httpx.AsyncClient, clock: Any, sign: Sign) -> None:
        self.client, self.clock, self.sign = client, clock, sign

    async def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get(path, params=params)

    async def post(self, path: str, params: dict[str, str], **extra: str) -> Message:
        """A signed POST; `extra` is sent but not signed (to show a parameter is signed)."""
        self.clock.advance(100)
        body = {**self.sign(params, self.clock.now_ms), **extra}
        answer = await self.client.post(path, data=body)
        return answer.json()

    async def data(self, path: str, params: dict[str, str]) -> Any:
        body = await self.post(path, params)
        assert body["code"] == "0", body
        return body["data"]

    async def order(self, **params: str) -> str:
        data = await self.data("/v1/order", {"symbol": "btcusdt", **params})
        return data["order_id"]


@pytest.fixture
async def wire(
    frozen_exchange: RunningExchange, manual_clock: Any, sign: Sign
) -> AsyncIterator[Wire]:
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as client:
        yield Wire(client, manual_clock, sign)


async def recv(ws: ClientConnection, timeout: float = 5.0) -> Message:
    """One server message: a binary frame of gzip-compressed JSON (section 6)."""
    frame = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(frame, bytes)
    return json.loads(gzip.decompress(frame))


async def recv_until(ws: ClientConnection, wanted: Callable[[Message], bool]) -> Message:
    async with asyncio.timeout(5):
        while True:
            message = await recv(ws)
            if wanted(message):
                return message


async def send(ws: ClientConnection, message: Any) -> None:
    await ws.send(json.dumps(message))


@pytest.fixture
async def ws(frozen_exchange: RunningExchange) -> AsyncIterator[ClientConnection]:
    async with connect(frozen_exchange.ws_url, ping_interval=None) as socket:
        yield socket


# GET /v1/ticker without symbol, GET /v1/ticker/price -------------------------------------------


async def test_ticker_without_symbol_lists_every_symbol_in_symbols_order(
    wire: Wire, manual_clock: Any
) -> None:
    names = [s["symbol"] for s in (await wire.get("/v1/symbols")).json()["data"]]
    answer = await wire.get("/v1/ticker")
    body = answer.json()
    assert body["code"] == "0"
    assert set(body["data"]) == {"date", "ticker"}
    assert body["data"]["date"] == manual_clock.now_ms
    assert [t["symbol"] for t in body["data"]["ticker"]] == names
    for entry in body["data"]["ticker"]:
        one = (await wire.get("/v1/ticker", {"symbol": entry["symbol"]})).json()["data"]
        assert entry == one


async def test_ticker_of_every_symbol_costs_one_market_request(wire: Wire) -> None:
    first = await wire.get("/v1/ticker")
    second = await wire.get("/v1/ticker")
    assert first.headers["X-RateLimit-Group"] == "market"
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1


async def test_ticker_price_is_the_last_price_of_every_symbol(wire: Wire) -> None:
    symbols = (await wire.get("/v1/symbols")).json()["data"]
    answer = await wire.get("/v1/ticker/price")
    assert answer.headers["X-RateLimit-Group"] == "market"
    body = answer.json()
    assert body["code"] == "0"
    prices = body["data"]
    assert list(prices) == [s["symbol"] for s in symbols]
    for symbol in symbols:
        price = prices[symbol["symbol"]]
        assert isinstance(price, str) and PRICE.match(price)
        assert len(price.split(".")[1]) == symbol["price_precision"]
        last = (await wire.get("/v1/ticker", {"symbol": symbol["symbol"]})).json()["data"]["last"]
        assert price == last


# Week and month bars ---------------------------------------------------------------------------


@pytest.mark.parametrize("period", [10080, 43200])
async def test_week_and_month_klines_over_rest(wire: Wire, period: int) -> None:
    body = (await wire.get("/v1/klines", {"symbol": "btcusdt", "period": str(period)})).json()
    assert body["code"] == "0"
    bars = body["data"]
    assert 1 <= len(bars) <= 300
    for bar in bars:
        assert len(bar) == 6 and isinstance(bar[0], int) and bar[0] % (period * 60) == 0
        assert all(isinstance(value, str) and PRICE.match(value) for value in bar[1:])
    assert [bar[0] for bar in bars] == sorted({bar[0] for bar in bars})


@pytest.mark.parametrize(("interval", "seconds"), [("1week", 604800), ("1month", 2592000)])
async def test_week_and_month_kline_channels_push_and_answer_req(
    ws: ClientConnection, interval: str, seconds: int
) -> None:
    channel = f"market_btcusdt_kline_{interval}"
    await send(ws, {"event": "sub", "params": {"channel": channel, "cb_id": "k"}})
    reply = await recv(ws)
    assert (reply["event_rep"], reply["channel"], reply["status"]) == ("subed", channel, "ok")
    snapshot = await recv(ws)
    assert snapshot["channel"] == channel
    assert set(snapshot["tick"]) == {"id", "open", "high", "low", "close", "vol", "amount"}
    assert snapshot["tick"]["id"] % seconds == 0
    await send(ws, {"event": "req", "params": {"channel": channel, "cb_id": "r"}})
    rep = await recv_until(ws, lambda m: m.get("event_rep") == "rep")
    assert (rep["status"], rep["cb_id"]) == ("ok", "r")
    assert rep["data"] and rep["data"][-1] == snapshot["tick"]
    assert all(bar["id"] % seconds == 0 for bar in rep["data"])


# /v1/order: fee_is_user_exchange_coin, a market order's price -----------------------------------


@pytest.mark.parametrize("value", ["0", "1"])
async def test_fee_is_user_exchange_coin_is_accepted_and_ignored(wire: Wire, value: str) -> None:
    order_id = await wire.order(
        side="BUY", type="1", volume="0.001000", price="20000.00", fee_is_user_exchange_coin=value
    )
    info = await wire.data("/v1/showOrder", {"symbol": "btcusdt", "order_id": order_id})
    assert info["order_info"]["status"] == 1


@pytest.mark.parametrize("value", ["2", "true", "01"])
async def test_fee_is_user_exchange_coin_other_values_are_100004(wire: Wire, value: str) -> None:
    params = {"side": "BUY", "type": "1", "volume": "0.001000", "price": "20000.00"}
    body = await wire.post(
        "/v1/order", {"symbol": "btcusdt", **params, "fee_is_user_exchange_coin": value}
    )
    assert (body["code"], body["data"]) == ("100004", None)
    assert "fee_is_user_exchange_coin" in body["msg"]


async def test_fee_is_user_exchange_coin_is_signed(wire: Wire) -> None:
    params = {"symbol": "btcusdt", "side": "BUY", "type": "1", "volume": "0.001000"}
    params["price"] = "20000.00"
    body = await wire.post("/v1/order", params, fee_is_user_exchange_coin="1")
    assert body["code"] == "100005"


async def test_market_order_price_is_signed_and_ignored(wire: Wire) -> None:
    asks = (await wire.get("/v1/depth", {"symbol": "btcusdt"})).json()["data"]["tick"]["asks"]
    order_id = await wire.order(side="BUY", type="2", volume="100.00", price="1.00")
    info = (await wire.data("/v1/showOrder", {"symbol": "btcusdt", "order_id": order_id}))[
        "order_info"
    ]
    assert info["price"] == "0.00"
    assert Decimal(info["avg_price"]) >= Decimal(asks[0][0])  # the price did not limit it
    assert info["status"] == 2  # 9.8: the asks did not run out
    params = {"symbol": "btcusdt", "side": "BUY", "type": "2", "volume": "100.00"}
    assert (await wire.post("/v1/order", params, price="1.00"))["code"] == "100005"


# sort and dates on openOrders, allOrders, myTrades ----------------------------------------------


async def _three_buys(wire: Wire) -> list[str]:
    return [
        await wire.order(side="BUY", type="1", volume="0.001000", price=f"2000{n}.00")
        for n in range(3)
    ]


@pytest.mark.parametrize(
    ("path", "key"), [("/v1/openOrders", "resultList"), ("/v1/allOrders", "orderList")]
)
async def test_sort_orders_newest_or_oldest_first(wire: Wire, path: str, key: str) -> None:
    ids = await _three_buys(wire)
    default = await wire.data(path, {"symbol": "btcusdt"})
    newest = await wire.data(path, {"symbol": "btcusdt", "sort": "1"})
    oldest = await wire.data(path, {"symbol": "btcusdt", "sort": "0"})
    assert [o["id"] for o in default[key]] == [o["id"] for o in newest[key]] == ids[::-1]
    assert [o["id"] for o in oldest[key]] == ids
    paged = await wire.data(path, {"symbol": "btcusdt", "sort": "0", "pageSize": "2", "page": "2"})
    assert ([o["id"] for o in paged[key]], paged["count"]) == (ids[2:], 3)


async def test_sort_my_trades(wire: Wire) -> None:
    for _ in range(2):
        await wire.order(side="BUY", type="2", volume="100.00")
    newest = (await wire.data("/v1/myTrades", {"symbol": "btcusdt"}))["resultList"]
    oldest = (await wire.data("/v1/myTrades", {"symbol": "btcusdt", "sort": "0"}))["resultList"]
    assert len(newest) >= 2 and oldest == newest[::-1]
    assert [int(f["id"]) for f in newest] == sorted((int(f["id"]) for f in newest), reverse=True)


@pytest.mark.parametrize("path", ["/v1/openOrders", "/v1/allOrders", "/v1/myTrades"])
@pytest.mark.parametrize("value", ["2", "-1", "desc", "true"])
async def test_other_sort_values_are_100004(wire: Wire, path: str, value: str) -> None:
    body = await wire.post(path, {"symbol": "btcusdt", "sort": value})
    assert (body["code"], body["data"]) == ("100004", None)
    assert "sort" in body["msg"]


async def test_dates_as_text_are_utc_seconds(wire: Wire, manual_clock: Any) -> None:
    # The frozen clock starts at 1700000000000 = 2023-11-14 22:13:20 UTC.
    early = await wire.order(side="BUY", type="2", volume="100.00")
    manual_clock.advance(2000)
    late = await wire.order(side="BUY", type="2", volume="100.00")
    later = {"symbol": "btcusdt", "startDate": "2023-11-14 22:13:21"}
    orders = (await wire.data("/v1/allOrders", later))["orderList"]
    assert [o["id"] for o in orders] == [late]
    fills = (await wire.data("/v1/myTrades", later))["resultList"]
    assert fills and {f["order_id"] for f in fills} == {late}
    earlier = {"symbol": "btcusdt", "endDate": "2023-11-14 22:13:21"}
    assert [o["id"] for o in (await wire.data("/v1/allOrders", earlier))["orderList"]] == [early]
    fills = (await wire.data("/v1/myTrades", earlier))["resultList"]
    assert fills and {f["order_id"] for f in fills} == {early}
    as_ms = {"symbol": "btcusdt", "startDate": str(manual_clock.now_ms - 1000)}
    assert [o["id"] for o in (await wire.data("/v1/allOrders", as_ms))["orderList"]] == [late]


@pytest.mark.parametrize("path", ["/v1/allOrders", "/v1/myTrades"])
@pytest.mark.parametrize(
    "value", ["2023-11-14T22:13:21", "2023-11-14", "14.11.2023 22:13:21", "2023-13-01 00:00:00"]
)
async def test_other_dates_are_100004(wire: Wire, path: str, value: str) -> None:
    body = await wire.post(path, {"symbol": "btcusdt", "startDate": value})
    assert (body["code"], body["data"]) == ("100004", None)
    assert "startDate" in body["msg"]


# Section 9 -------------------------------------------------------------------------------------


async def test_rest_trades_are_newest_first_with_growing_ids(wire: Wire) -> None:
    trades = (await wire.get("/v1/trades", {"symbol": "btcusdt"})).json()["data"]
    ids = [int(t["id"]) for t in trades]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True) and len(set(ids)) == 100
    assert [t["ts"] for t in trades] == sorted((t["ts"] for t in trades), reverse=True)


async def test_trade_push_and_req_are_newest_first(wire: Wire, ws: ClientConnection) -> None:
    channel = "market_btcusdt_trade_ticker"
    await send(ws, {"event": "sub", "params": {"channel": channel, "cb_id": "t"}})
    await recv(ws)
    snapshot = await recv(ws)
    ids = [int(t["id"]) for t in snapshot["tick"]["data"]]
    assert ids == sorted(ids, reverse=True)
    await wire.order(side="BUY", type="2", volume="20000.00")  # walks several asks
    push = await recv_until(ws, lambda m: m.get("channel") == channel)
    pushed = [int(t["id"]) for t in push["tick"]["data"]]
    assert len(pushed) >= 2 and pushed == sorted(pushed, reverse=True)
    assert min(pushed) > max(ids)
    await send(ws, {"event": "req", "params": {"channel": channel, "cb_id": "q"}})
    rep = await recv_until(ws, lambda m: m.get("event_rep") == "rep")
    answered = [int(t["id"]) for t in rep["data"]]
    assert answered == sorted(answered, reverse=True) and answered[0] == pushed[0]


@pytest.mark.parametrize(
    "request_",
    [
        {"event": "sub", "params": {"channel": "market_btcusdt_ticker", "cb_id": "a1"}},
        {"event": "unsub", "params": {"channel": "market_btcusdt_ticker", "cb_id": "a1"}},
        {"event": "req", "params": {"channel": "market_btcusdt_kline_1min", "cb_id": "a1"}},
        {"event": "sub", "params": {"channel": "market_dogeusdt_ticker", "cb_id": "a1"}},
        {"event": "sub", "params": {"channel": "nonsense", "cb_id": "a1"}},
        {"event": "req", "params": {"channel": "market_btcusdt_ticker", "cb_id": "a1"}},
        {"event": "dance", "params": {"channel": "market_btcusdt_ticker", "cb_id": "a1"}},
        {"event": "sub", "params": {"cb_id": "a1"}},
        {"params": {"channel": "market_btcusdt_ticker", "cb_id": "a1"}},
    ],
)
async def test_every_reply_echoes_the_cb_id(ws: ClientConnection, request_: Message) -> None:
    await send(ws, request_)
    reply = await recv_until(ws, lambda m: "event_rep" in m)
    assert reply["cb_id"] == "a1"


@pytest.mark.parametrize("event", ["sub", "unsub", "req"])
async def test_a_reply_without_cb_id_omits_it_or_sends_empty(
    ws: ClientConnection, event: str
) -> None:
    await send(ws, {"event": event, "params": {"channel": "market_btcusdt_kline_1min"}})
    reply = await recv_until(ws, lambda m: "event_rep" in m)
    assert reply["status"] == "ok"
    assert reply.get("cb_id", "") == ""


async def test_balances_are_exact_plain_decimals(wire: Wire) -> None:
    for symbol, volume in (("btcusdt", "123.45"), ("ethbtc", "0.012345"), ("solusdt", "77.77")):
        await wire.data(
            "/v1/order", {"symbol": symbol, "side": "BUY", "type": "2", "volume": volume}
        )
    await wire.data(
        "/v1/order", {"symbol": "ethusdt", "side": "SELL", "type": "2", "volume": "0.1234"}
    )
    account = await wire.data("/v1/account", {})
    for coin in account["coin_list"]:
        for key in ("normal", "locked", "btcValuatin"):
            value = coin[key]
            assert isinstance(value, str) and PRICE.match(value), (coin, key)
            assert len(value.partition(".")[2]) <= 18
    assert PRICE.match(account["total_asset"])


async def test_plain_get_on_the_websocket_path_is_400_with_the_envelope(
    frozen_exchange: RunningExchange,
) -> None:
    url = frozen_exchange.ws_url.replace("ws://", "http://", 1)
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["data"]) == ("100004", None) and body["msg"]


async def test_order_ids_strictly_increase(wire: Wire) -> None:
    ids = [
        await wire.order(side="BUY", type="1", volume="0.001000", price="20000.00"),
        await wire.order(side="BUY", type="2", volume="50.00"),
        await wire.order(side="SELL", type="1", volume="0.001000", price="90000.00"),
    ]
    ids.append(
        (
            await wire.data(
                "/v1/order", {"symbol": "ethusdt", "side": "SELL", "type": "2", "volume": "0.01"}
            )
        )["order_id"]
    )
    assert all(re.fullmatch(r"[0-9]+", i) for i in ids)
    numbers = [int(i) for i in ids]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


@pytest.fixture
async def fast_heartbeat() -> AsyncIterator[RunningExchange]:
    running = await start_exchange(SimConfig(rate=0, ping_interval=0.2, ping_timeout=0.6))
    try:
        yield running
    finally:
        await running.stop()


async def test_ping_timeout_counts_from_the_unanswered_ping_not_the_last_message(
    fast_heartbeat: RunningExchange,
) -> None:
    """9.7: a client that keeps talking but never answers a ping is still closed."""
    loop = asyncio.get_running_loop()
    async with connect(fast_heartbeat.ws_url, ping_interval=None) as socket:
        first = await recv(socket, timeout=2)
        assert "ping" in first
        sent_at = loop.time()
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(3):
                n = 0
                while True:
                    n += 1
                    await send(socket, {"ping": n})  # chatter, never a pong
                    await recv(socket, timeout=1)
        closed_after = loop.time() - sent_at
    assert 0.5 <= closed_after < 1.2
