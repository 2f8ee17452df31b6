"""A hostile server for fault tests: the embedded exchange behind a front that a test rewrites.

`hostile` listens on a loopback port of its own. By default every REST request is forwarded to
a real, seeded embedded exchange (still market, wall clock) and its answer passed back
unchanged, so a test overrides only the one path it wants to break: answer garbage after the
order executed, trickle a body, advertise absurd limits. The WebSocket path is scripted by
the test (`on_ws`); without a script it relays frames to and from the embedded exchange.

Kept here (not in one test directory) because the client, the CLI and the dashboard all need
the same misbehaving peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from cdx.server.runner import RunningExchange, SimConfig, start_exchange


@pytest.fixture(autouse=True)
def settled_heap() -> Iterator[None]:
    """Before each test, collect and freeze what earlier tests left alive.

    What earlier tests leave alive (over two million objects by the end of the suite) would
    otherwise be rescanned by every full collection of every later test: those took up to
    3 s inside a dashboard test, long enough for a still market's book to go stale (2 s) and
    the order under test to be refused. Frozen, a test's collections scan its own objects.
    Before the test, not after: by then the last test's loop and app are gone, so nothing
    frozen dies later unfreed (frozen after each test, the suite's memory grew a third).
    """
    gc.collect()
    gc.freeze()
    yield


RestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WsHandler = Callable[[web.WebSocketResponse, web.Request], Awaitable[None]]

WS_PATH = "/kline-api/ws"


@dataclass(frozen=True, slots=True)
class Forwarded:
    """What the embedded exchange answered to a forwarded request."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HostileServer:
    """A front whose answers the test chooses, over a real exchange that executes requests.

    - `rest_url`, `ws_url`: what the client under test is pointed at.
    - `exchange`: the embedded exchange behind the front (its engine holds the truth).
    - `requests`: (method, path) of every REST request the front received, in order.
    - `on(path, handler)`: answer `path` with `handler(request)` from now on; the handler may
      call `forward(request)` to have the exchange execute it first.
    - `on_ws(handler)`: serve each new WebSocket connection with `handler(ws, request)`.
    """

    exchange: RunningExchange
    rest_url: str = ""
    ws_url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)
    _rest: dict[str, RestHandler] = field(default_factory=dict)
    _ws: WsHandler | None = None
    _session: aiohttp.ClientSession | None = None

    def on(self, path: str, handler: RestHandler) -> None:
        self._rest[path] = handler

    def on_ws(self, handler: WsHandler | None) -> None:
        self._ws = handler

    async def forward(self, request: web.Request) -> Forwarded:
        """Send `request` on to the embedded exchange unchanged and return its answer."""
        assert self._session is not None
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", "user-agent")
        }
        async with self._session.request(
            request.method,
            self.exchange.rest_url + request.path_qs,
            data=body or None,
            headers=headers,
        ) as answer:
            return Forwarded(answer.status, dict(answer.headers), await answer.read())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == WS_PATH:
            return await self._handle_ws(request)
        self.requests.append((request.method, request.path))
        handler = self._rest.get(request.path)
        if handler is not None:
            return await handler(request)
        answer = await self.forward(request)
        keep = {
            name: value
            for name, value in answer.headers.items()
            if name.lower().startswith("x-ratelimit") or name.lower() in ("retry-after", "date")
        }
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers=keep,
            content_type="application/json",
        )

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=False, compress=False)
        await ws.prepare(request)
        if self._ws is not None:
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await self._ws(ws, request)
        else:
            await self._relay(ws)
        with contextlib.suppress(ConnectionError):
            await ws.close()
        return ws

    async def _relay(self, ws: web.WebSocketResponse) -> None:
        assert self._session is not None
        async with self._session.ws_connect(self.exchange.ws_url, autoping=False) as upstream:

            async def down() -> None:
                async for message in upstream:
                    if message.type is aiohttp.WSMsgType.BINARY:
                        await ws.send_bytes(message.data)
                    elif message.type is aiohttp.WSMsgType.TEXT:
                        await ws.send_str(message.data)

            task = asyncio.create_task(down())
            try:
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        await upstream.send_str(message.data)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task


def gz(message: Any) -> bytes:
    """A server frame as PROTOCOL.md section 6 writes them: gzip-compressed UTF-8 JSON."""
    return gzip.compress(json.dumps(message, separators=(",", ":")).encode())


@pytest.fixture
def gzip_frame() -> Callable[[Any], bytes]:
    """`gzip_frame(obj)`: a binary server frame, written from PROTOCOL.md, not our encoder."""
    return gz


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    """A misbehaving front on loopback over a still, seeded embedded exchange."""
    exchange = await start_exchange(SimConfig(seed=7, rate=0))
    server = HostileServer(exchange)
    server._session = aiohttp.ClientSession(auto_decompress=False)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", server._handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.rest_url = f"http://127.0.0.1:{port}"
    server.ws_url = f"ws://127.0.0.1:{port}{WS_PATH}"
    try:
        yield server
    finally:
        await runner.cleanup()
        await server._session.close()
        await exchange.stop()
