"""The client behind the gate, against a hostile server over real sockets (issue 10, family 1).

A server that sends `1e400`, a trade at 10^20 ms, a symbol of precision 1000000 or a balance
of `1e400` costs the client that one entry: the rest of the answer or push arrives, checked,
and the stream keeps running.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient
from cdx.client.stream import DepthEvent, MarketStream, StreamEvent, TickerEvent, TradesEvent
from cdx.model.symbol import Symbol

DEMO = Credentials("demo", "demo-secret")
BTCUSDT = Symbol("btcusdt", "btc", "usdt", 2, 6, Decimal("0.0001"), Decimal("5"))
DEPTH = "market_btcusdt_depth_step0"
TRADES = "market_btcusdt_trade_ticker"
TICKER = "market_btcusdt_ticker"
WAIT_S = 10.0


def now_ms() -> int:
    return int(time.time() * 1000)


def frame(message: Any) -> bytes:
    """A server frame as PROTOCOL.md section 6 writes it, by `json`, not our encoder."""
    return gzip.compress(json.dumps(message, separators=(",", ":")).encode())


class Script:
    """The WebSocket side: acknowledges subscriptions, then sends the frames a test queues."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.subscribed = asyncio.Event()

    async def serve(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        async def send() -> None:
            while True:
                await ws.send_bytes(await self.frames.get())

        sender = asyncio.create_task(send())
        try:
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                body = json.loads(message.data)
                if "ping" in body:
                    await ws.send_bytes(frame({"pong": body["ping"]}))
                elif body.get("event") == "sub":
                    channel = body["params"]["channel"]
                    reply = {"event_rep": "subed", "channel": channel, "ts": now_ms()}
                    await ws.send_bytes(frame(reply | {"status": "ok"}))
                    self.subscribed.set()
        finally:
            sender.cancel()


@pytest.fixture
async def scripted(hostile) -> AsyncIterator[tuple[Script, list[StreamEvent], MarketStream]]:
    script = Script()
    hostile.on_ws(script.serve)
    events: list[StreamEvent] = []
    stream = MarketStream(hostile.ws_url, events.append)
    for channel in (DEPTH, TRADES, TICKER):
        stream.subscribe(channel)
    task = asyncio.create_task(stream.run())
    try:
        async with asyncio.timeout(WAIT_S):
            await script.subscribed.wait()
        yield script, events, stream
    finally:
        stream.stop()
        await task


async def first(events: list[StreamEvent], match: Callable[[StreamEvent], bool]) -> StreamEvent:
    async with asyncio.timeout(WAIT_S):
        while True:
            for event in events:
                if match(event):
                    return event
            await asyncio.sleep(0.01)


async def test_depth_push_with_1e400_loses_that_level_only(scripted) -> None:
    script, events, _ = scripted
    head = f'{{"channel":"{DEPTH}","ts":{now_ms()},'
    text = head + (
        '"tick":{"asks":[[1e400,"1"],["1e999999999","1"],["27001.00","0.250000"]],'
        '"buys":[["27000.00",1e400],["26999.00","1.000000"]]}}'
    )
    script.frames.put_nowait(gzip.compress(text.encode()))
    event = await first(events, lambda e: isinstance(e, DepthEvent))
    assert isinstance(event, DepthEvent)
    assert event.book.asks == ((Decimal("27001.00"), Decimal("0.250000")),)
    assert event.book.bids == ((Decimal("26999.00"), Decimal("1.000000")),)


async def test_trade_at_ten_to_the_twenty_ms_is_skipped_and_the_stream_goes_on(scripted) -> None:
    script, events, _ = scripted
    good = {"id": "982", "side": "SELL", "price": "27000.00", "vol": "0.010000", "ts": now_ms()}
    bad = good | {"id": "981", "ts": 10**20}
    script.frames.put_nowait(
        frame({"channel": TRADES, "ts": now_ms(), "tick": {"data": [bad, good]}})
    )
    event = await first(events, lambda e: isinstance(e, TradesEvent))
    assert isinstance(event, TradesEvent)
    assert [t.id for t in event.trades] == ["982"]


async def test_push_with_a_bad_ts_is_skipped_whole(scripted) -> None:
    script, events, _ = scripted
    tick = {"asks": [["27001.00", "1"]], "buys": []}
    script.frames.put_nowait(frame({"channel": DEPTH, "ts": 10**20, "tick": tick}))
    script.frames.put_nowait(frame({"channel": DEPTH, "ts": now_ms(), "tick": tick | {"asks": []}}))
    event = await first(events, lambda e: isinstance(e, DepthEvent))
    assert isinstance(event, DepthEvent) and event.book.asks == ()


async def test_known_symbol_holds_pushes_to_its_precision(scripted) -> None:
    script, events, stream = scripted
    stream.symbols["btcusdt"] = BTCUSDT
    tick = {"asks": [["27001.005", "1"], ["27002.00", "1"]], "buys": []}
    script.frames.put_nowait(frame({"channel": DEPTH, "ts": now_ms(), "tick": tick}))
    event = await first(events, lambda e: isinstance(e, DepthEvent))
    assert isinstance(event, DepthEvent)
    assert [price for price, _ in event.book.asks] == [Decimal("27002.00")]


async def test_ticker_with_low_above_high_is_skipped(scripted) -> None:
    script, events, _ = scripted
    tick = {"open": "1", "high": "2", "low": "3", "close": "1", "vol": "1", "amount": "1"}
    script.frames.put_nowait(
        frame({"channel": TICKER, "ts": now_ms(), "tick": tick | {"rose": "0"}})
    )
    good = tick | {"low": "0.5", "rose": "-0.25"}
    script.frames.put_nowait(frame({"channel": TICKER, "ts": now_ms(), "tick": good}))
    event = await first(events, lambda e: isinstance(e, TickerEvent))
    assert isinstance(event, TickerEvent) and event.ticker.rose == Decimal("-0.25")


def answer(data: Any) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"code": "0", "msg": "suc", "data": data})

    return handler


def raw_answer(data_json: str) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        body = '{"code":"0","msg":"suc","data":' + data_json + "}"
        return web.Response(body=body.encode(), content_type="application/json")

    return handler


async def test_symbol_of_precision_1000000_costs_that_symbol_not_the_list(hostile) -> None:
    good = {
        "symbol": "btcusdt",
        "base_coin": "btc",
        "count_coin": "usdt",
        "price_precision": 2,
        "amount_precision": 6,
        "min_amount": "0.000100",
        "min_value": "5",
    }
    bad = good | {"symbol": "ethusdt", "base_coin": "eth", "price_precision": 1000000}
    hostile.on("/v1/symbols", answer([bad, good]))
    async with RestClient(hostile.rest_url) as rest:
        assert [s.name for s in await rest.symbols()] == ["btcusdt"]


async def test_balance_of_1e400_costs_that_coin_not_the_account(hostile) -> None:
    hostile.on(
        "/v1/account",
        raw_answer(
            '{"total_asset":"1","coin_list":[{"coin":"btc","normal":1e400,"locked":"0"},'
            '{"coin":"usdt","normal":"-5","locked":"0"},'
            '{"coin":"eth","normal":"2.5","locked":"0.5"}]}'
        ),
    )
    async with RestClient(hostile.rest_url, DEMO) as rest:
        account = await rest.account()
    assert [b.coin for b in account.balances] == ["eth"]


async def test_rest_book_that_is_crossed_and_unsorted_is_repaired(hostile) -> None:
    tick = {
        "time": now_ms(),
        "asks": [["27003.00", "1"], ["26990.00", "1"], ["27001.00", "1"]],
        "bids": [["27000.00", "1"], ["27010.00", "1"]],
    }
    hostile.on("/v1/depth", answer({"tick": tick}))
    async with RestClient(hostile.rest_url) as rest:
        book = await rest.depth(BTCUSDT)
    assert not book.crossed
    assert (book.best_bid, book.best_ask) == (Decimal("27000.00"), Decimal("27001.00"))
