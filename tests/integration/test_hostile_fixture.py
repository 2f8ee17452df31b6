"""The hostile front passes the exchange through untouched unless a test overrides a path."""

from __future__ import annotations

import asyncio

from aiohttp import web

from cdx.client.rest import RestClient
from cdx.client.stream import DepthEvent, MarketStream


async def test_unchanged_front_serves_the_exchange(hostile) -> None:
    async with RestClient(hostile.rest_url) as rest:
        symbols = await rest.symbols()
    assert "btcusdt" in {s.name for s in symbols}
    assert ("GET", "/v1/symbols") in hostile.requests


async def test_overridden_path_answers_what_the_test_says(hostile) -> None:
    async def unavailable(request: web.Request) -> web.Response:
        return web.json_response({"code": "100002", "msg": "down", "data": None}, status=503)

    hostile.on("/v1/symbols", unavailable)
    async with RestClient(hostile.rest_url) as rest:
        try:
            await rest.symbols()
        except Exception as exc:  # the client's typed error, whichever it is
            assert "unavailable" in str(exc)
        else:
            raise AssertionError("a 503 envelope was taken for symbols")


async def test_websocket_relays_to_the_exchange(hostile) -> None:
    events: list[object] = []
    stream = MarketStream(hostile.ws_url, events.append)
    stream.subscribe("market_btcusdt_depth_step0")
    task = asyncio.create_task(stream.run())
    try:
        async with asyncio.timeout(5):
            while not any(isinstance(e, DepthEvent) for e in events):
                await asyncio.sleep(0.02)
    finally:
        stream.stop()
        await task
