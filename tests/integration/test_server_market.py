"""Market endpoints of the embedded exchange over real sockets, checked against PROTOCOL.md."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from cdx.server.runner import RunningExchange

RATE_HEADERS = (
    "X-RateLimit-Group",
    "X-RateLimit-Limit",
    "X-RateLimit-Window-Ms",
    "X-RateLimit-Remaining",
)


@pytest.fixture
async def http(frozen_exchange: RunningExchange) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as client:
        yield client


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


async def test_symbols_lists_the_markets_with_their_rules(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/symbols")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "0" and body["msg"] == "suc"
    btc = next(item for item in body["data"] if item["symbol"] == "btcusdt")
    assert btc == {
        "symbol": "btcusdt",
        "base_coin": "btc",
        "count_coin": "usdt",
        "price_precision": 2,
        "amount_precision": 6,
        "min_amount": "0.000100",
        "min_value": "5",
    }


async def test_ticker_has_every_field_as_decimal_strings(
    http: httpx.AsyncClient, manual_clock: object
) -> None:
    data = (await http.get("/v1/ticker", params={"symbol": "btcusdt"})).json()["data"]
    assert data["symbol"] == "btcusdt"
    assert data["time"] == manual_clock.now_ms  # type: ignore[attr-defined]
    for name in ("open", "high", "low", "last", "buy", "sell"):
        assert _decimals(data[name]) == 2, name
    assert _decimals(data["vol"]) == 6
    assert Decimal(data["buy"]) < Decimal(data["sell"])
    assert Decimal(data["low"]) <= Decimal(data["last"]) <= Decimal(data["high"])
    assert Decimal(data["rose"]) == (Decimal(data["last"]) / Decimal(data["open"]) - 1).quantize(
        Decimal("0.0001")
    )


async def test_depth_defaults_to_step0_sorted_and_capped(http: httpx.AsyncClient) -> None:
    tick = (await http.get("/v1/depth", params={"symbol": "btcusdt"})).json()["data"]["tick"]
    asks = [Decimal(price) for price, _ in tick["asks"]]
    bids = [Decimal(price) for price, _ in tick["bids"]]
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
    assert 0 < len(asks) <= 150 and 0 < len(bids) <= 150
    assert bids[0] < asks[0]
    assert all(_decimals(price) == 2 and _decimals(amount) == 6 for price, amount in tick["asks"])


async def test_depth_steps_coarsen_prices(http: httpx.AsyncClient) -> None:
    step0 = (await http.get("/v1/depth", params={"symbol": "btcusdt"})).json()["data"]["tick"]
    step2 = (await http.get("/v1/depth", params={"symbol": "btcusdt", "type": "step2"})).json()[
        "data"
    ]["tick"]
    assert all("." not in price for price, _ in step2["asks"] + step2["bids"])
    # Aggregation never shows a better price than the book has.
    assert Decimal(step2["bids"][0][0]) <= Decimal(step0["bids"][0][0])
    assert Decimal(step2["asks"][0][0]) >= Decimal(step0["asks"][0][0])
    step1 = (await http.get("/v1/depth", params={"symbol": "btcusdt", "type": "step1"})).json()[
        "data"
    ]["tick"]
    assert all(_decimals(price) == 1 for price, _ in step1["bids"])


async def test_trades_are_newest_first(http: httpx.AsyncClient) -> None:
    data = (await http.get("/v1/trades", params={"symbol": "btcusdt"})).json()["data"]
    assert 0 < len(data) <= 100
    assert set(data[0]) == {"id", "price", "amount", "side", "ts"}
    times = [trade["ts"] for trade in data]
    assert times == sorted(times, reverse=True)
    assert all(trade["side"] in ("BUY", "SELL") and trade["id"].isdigit() for trade in data)


@pytest.mark.parametrize("period", ["1", "5", "15", "30", "60", "1440"])
async def test_klines_are_oldest_first(http: httpx.AsyncClient, period: str) -> None:
    data = (await http.get("/v1/klines", params={"symbol": "btcusdt", "period": period})).json()[
        "data"
    ]
    assert 0 < len(data) <= 300
    opens = [bar[0] for bar in data]
    assert opens == sorted(opens) and all(isinstance(t, int) for t in opens)
    assert all(opens[i + 1] - opens[i] == int(period) * 60 for i in range(len(opens) - 1))
    assert all(isinstance(value, str) for bar in data for value in bar[1:])


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/v1/depth", {"symbol": "btcusdt", "type": "step3"}, "type"),
        ("/v1/klines", {"symbol": "btcusdt", "period": "2"}, "period"),
        ("/v1/klines", {"symbol": "btcusdt"}, "period"),
        ("/v1/depth", {}, "symbol"),
        ("/v1/trades", {"symbol": ""}, "symbol"),
        ("/v1/ticker/price", {"symbol": "btcusdt"}, "symbol"),
        ("/v1/ticker", {"symbol": "btcusdt", "limit": "5"}, "limit"),
        ("/v1/symbols", {"x": "1"}, "x"),
    ],
)
async def test_bad_parameters_are_refused_by_name(
    http: httpx.AsyncClient, path: str, params: dict[str, str], named: str
) -> None:
    response = await http.get(path, params=params)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "100004" and body["data"] is None
    assert named in body["msg"]


async def test_duplicate_parameter_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/ticker?symbol=btcusdt&symbol=ethusdt")
    assert response.json()["code"] == "100004"


async def test_empty_value_counts_as_absent(http: httpx.AsyncClient) -> None:
    with_empty = await http.get("/v1/depth?symbol=btcusdt&type=")
    plain = await http.get("/v1/depth?symbol=btcusdt")
    assert with_empty.json() == plain.json()


async def test_non_utf8_query_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/ticker?symbol=%FF%FE")
    assert response.json()["code"] == "100004"


async def test_unknown_symbol(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v1/ticker", params={"symbol": "dogeusdt"})).json()
    assert body["code"] == "110002" and "dogeusdt" in body["msg"]


async def test_unknown_path_is_404_with_envelope(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/nothing")
    assert response.status_code == 404
    assert response.json()["code"] == "100004"
    assert all(name in response.headers for name in RATE_HEADERS)


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/ticker"), ("GET", "/v1/order")])
async def test_wrong_method_is_405_with_envelope(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await http.request(method, path)
    assert response.status_code == 405
    assert response.json()["code"] == "100004"
    assert all(name in response.headers for name in RATE_HEADERS)


async def test_every_market_response_carries_rate_headers(http: httpx.AsyncClient) -> None:
    for path in (
        "/v1/symbols",
        "/v1/ticker?symbol=btcusdt",
        "/v1/ticker?symbol=nope",
        "/v1/ticker",
    ):
        response = await http.get(path)
        assert response.headers["X-RateLimit-Group"] == "market"
        assert response.headers["X-RateLimit-Limit"] == "100"
        assert response.headers["X-RateLimit-Window-Ms"] == "1000"
        assert response.headers["content-type"].startswith("application/json")


async def test_date_header_follows_the_server_clock(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/symbols")
    assert response.headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"  # 1700000000 s


async def test_request_line_just_under_8_kib_gets_an_envelope(http: httpx.AsyncClient) -> None:
    path = "/v1/ticker?symbol=" + "a" * (8 * 1024 - 60)
    response = await http.get(path)
    assert response.status_code == 200
    assert response.json()["code"] == "110002"


async def test_request_line_over_8_kib_is_414_with_envelope(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/ticker?symbol=" + "a" * (9 * 1024))
    assert response.status_code == 414
    assert response.json()["code"] == "100004"


async def test_header_over_8_kib_is_431_with_envelope(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/v1/ticker", params={"symbol": "btcusdt"}, headers={"X-Long": "v" * (9 * 1024)}
    )
    assert response.status_code == 431
    assert response.json()["code"] == "100004"
