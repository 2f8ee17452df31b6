"""Fault injection: each switch of `Faults` does to a real client what its docstring promises."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError

from cdx.server.runner import RunningExchange

Sign = Callable[..., dict[str, str]]


def _gunzip_json(frame: bytes) -> dict[str, Any]:
    return json.loads(gzip.decompress(frame))


async def _recv(ws: ClientConnection, timeout: float = 5.0) -> bytes:
    frame = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(frame, bytes)
    return frame


async def _sub(ws: ClientConnection, channel: str) -> None:
    await ws.send(json.dumps({"event": "sub", "params": {"channel": channel, "cb_id": "f"}}))


@pytest.fixture
async def http(frozen_exchange: RunningExchange) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=frozen_exchange.rest_url) as client:
        yield client


async def test_rest_fail_next_answers_503_without_executing(
    http: httpx.AsyncClient, frozen_exchange: RunningExchange, manual_clock: Any, sign: Sign
) -> None:
    frozen_exchange.faults.rest_fail_next = 2
    order = {"symbol": "btcusdt", "side": "BUY", "type": "1", "volume": "0.001", "price": "20000"}
    failed = await http.post("/v1/order", data=sign(order, manual_clock.now_ms))
    assert failed.status_code == 503
    assert failed.json() == {"code": "100002", "msg": failed.json()["msg"], "data": None}
    assert failed.headers["X-RateLimit-Group"] == "order"
    assert (await http.get("/v1/symbols")).status_code == 503
    assert (await http.get("/v1/symbols")).status_code == 200
    manual_clock.advance(100)
    listed = await http.post(
        "/v1/openOrders", data=sign({"symbol": "btcusdt"}, manual_clock.now_ms)
    )
    assert listed.json()["data"]["count"] == 0


async def test_rest_delay_holds_the_answer_but_the_order_is_placed(
    http: httpx.AsyncClient, frozen_exchange: RunningExchange, manual_clock: Any, sign: Sign
) -> None:
    frozen_exchange.faults.rest_delay = 1.0
    order = {"symbol": "btcusdt", "side": "BUY", "type": "1", "volume": "0.001", "price": "20000"}
    with pytest.raises(httpx.ReadTimeout):
        await http.post("/v1/order", data=sign(order, manual_clock.now_ms), timeout=0.2)
    frozen_exchange.faults.rest_delay = 0.0
    manual_clock.advance(100)
    listed = await http.post(
        "/v1/openOrders", data=sign({"symbol": "btcusdt"}, manual_clock.now_ms)
    )
    assert listed.json()["data"]["count"] == 1


async def test_drop_ws_next_cuts_every_connection_without_a_close_frame(
    frozen_exchange: RunningExchange,
) -> None:
    async with (
        connect(frozen_exchange.ws_url, ping_interval=None) as first,
        connect(frozen_exchange.ws_url, ping_interval=None) as second,
    ):
        await _sub(first, "market_btcusdt_ticker")
        await _recv(first)
        frozen_exchange.faults.drop_ws_next = True
        for ws in (first, second):
            with pytest.raises(ConnectionClosedError) as info:
                async with asyncio.timeout(5):
                    while True:
                        await ws.recv()
            assert info.value.rcvd is None  # no close frame: the socket just died
    assert frozen_exchange.faults.drop_ws_next is False
    async with connect(frozen_exchange.ws_url, ping_interval=None) as again:
        await again.send(json.dumps({"ping": 5}))
        assert _gunzip_json(await _recv(again)) == {"pong": 5}


async def test_corrupt_next_frames_spoils_pushes_only(frozen_exchange: RunningExchange) -> None:
    async with connect(frozen_exchange.ws_url, ping_interval=None) as ws:
        frozen_exchange.faults.corrupt_next_frames = 1
        await _sub(ws, "market_btcusdt_ticker")
        reply = _gunzip_json(await _recv(ws))
        assert reply["event_rep"] == "subed"
        spoiled = await _recv(ws)
        with pytest.raises((OSError, EOFError, zlib.error)):
            gzip.decompress(spoiled)
        await _sub(ws, "market_ethusdt_ticker")
        assert _gunzip_json(await _recv(ws))["event_rep"] == "subed"
        assert _gunzip_json(await _recv(ws))["channel"] == "market_ethusdt_ticker"
    assert frozen_exchange.faults.corrupt_next_frames == 0


async def test_stall_ws_silences_the_socket_until_cleared(exchange: RunningExchange) -> None:
    async with connect(exchange.ws_url, ping_interval=None) as ws:
        await _sub(ws, "market_btcusdt_depth_step0")
        await _recv(ws)
        await _recv(ws)
        exchange.faults.stall_ws = True
        await ws.send(json.dumps({"ping": 9}))
        # Frames already in flight may land; after that, nothing, not even the pong.
        received: list[dict[str, Any]] = []
        with pytest.raises(TimeoutError):
            while True:
                received.append(_gunzip_json(await _recv(ws, timeout=0.5)))
        assert {"pong": 9} not in received
        assert len(received) <= 1
        exchange.faults.stall_ws = False
        await ws.send(json.dumps({"ping": 10}))
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(5):
            while {"pong": 10} not in seen or not any("tick" in m for m in seen):
                seen.append(_gunzip_json(await _recv(ws)))
