"""The aiohttp application of the exchange front: routes generated from the endpoint table.

One port serves REST under `/v1/...` and the WebSocket at `/kline-api/ws`. Whatever goes wrong
outside an endpoint (unknown path, wrong method, oversized body, a bug) is still answered with
an envelope and the rate-limit headers; a bug is logged and answered 500 + `100001`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from cdx.protocol import endpoints
from cdx.protocol.errors import ErrorCode
from cdx.protocol.refusal import Refusal
from cdx.server.auth import Credentials
from cdx.server.backend import Backend
from cdx.server.faults import Faults
from cdx.server.rest import DATA_FUNCTIONS, RestFront
from cdx.server.websocket import Hub

logger = logging.getLogger(__name__)

WS_PATH = "/kline-api/ws"
MAX_BODY = 1024 * 1024
"""Bodies over 1 MiB are refused with 413 (PROTOCOL.md section 1)."""
MAX_LINE = 8 * 1024
"""A request line or header over 8 KiB is refused with 414 / 431 (PROTOCOL.md section 1)."""
PARSER_LIMIT = 64 * 1024
"""What aiohttp's parser itself accepts per line: above MAX_LINE, so the middleware can answer
414/431 with an envelope instead of the parser's bare 400."""

HUB: web.AppKey[Hub] = web.AppKey("hub", Hub)
REST: web.AppKey[RestFront] = web.AppKey("rest", RestFront)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def create_app(
    engine: Backend,
    faults: Faults,
    credentials: Credentials,
    clock: Callable[[], int],
    *,
    ping_interval: float,
    ping_timeout: float,
) -> web.Application:
    """The application serving `engine` under the protocol; start it with an aiohttp runner."""
    missing = {endpoint.name for endpoint in endpoints.ENDPOINTS} - set(DATA_FUNCTIONS)
    if missing:
        raise RuntimeError(f"endpoints without a handler: {sorted(missing)}")
    rest = RestFront(engine, faults, credentials, clock)
    hub = Hub(engine, faults, clock, ping_interval, ping_timeout)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_envelope_errors(rest)])
    app[REST] = rest
    app[HUB] = hub
    for endpoint in endpoints.ENDPOINTS:
        if endpoint.method is endpoints.Method.GET:
            app.router.add_get(endpoint.path, rest.handler(endpoint), allow_head=False)
        else:
            app.router.add_post(endpoint.path, rest.handler(endpoint))
    app.router.add_get(WS_PATH, hub.handle, allow_head=False)
    app.on_shutdown.append(_close_sockets)
    return app


async def _close_sockets(app: web.Application) -> None:
    await app[HUB].close_all()


def _envelope_errors(
    rest: RestFront,
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        endpoint = endpoints.BY_PATH.get(request.path)
        group = endpoint.group if endpoint is not None else endpoints.MARKET
        oversized = _oversized(request)
        if oversized is not None:
            return rest.refusal_response(request, group, oversized)
        try:
            return await handler(request)
        except web.HTTPException as exc:
            refusal = _refusal(request, exc)
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:
            logger.exception("unexpected error answering %s %s", request.method, request.path)
            refusal = Refusal(ErrorCode.INTERNAL, "internal error; the request may not have run")
        return rest.refusal_response(request, group, refusal)

    return middleware


def _oversized(request: web.Request) -> Refusal | None:
    """414 for a request line over 8 KiB, 431 for a header over 8 KiB; None when within."""
    line = len(request.method) + len(request.raw_path) + len(" HTTP/1.1") + 1
    if line > MAX_LINE:
        return Refusal(ErrorCode.BAD_PARAMETER, "request line is longer than 8 KiB", status=414)
    for name, value in request.raw_headers:
        if len(name) + len(value) + 2 > MAX_LINE:
            header = name.decode("latin-1")[:40]
            return Refusal(
                ErrorCode.BAD_PARAMETER, f"header {header!r} is longer than 8 KiB", status=431
            )
    return None


def _refusal(request: web.Request, exc: web.HTTPException) -> Refusal:
    path = request.path if len(request.path) <= 60 else request.path[:60] + "..."
    if exc.status == 404:
        msg = f"no endpoint at {path!r}; paths start with /v1/ (see GET /v1/symbols)"
    elif exc.status == 405:
        allowed = ", ".join(sorted(getattr(exc, "allowed_methods", ()))) or "another method"
        msg = f"{path} does not accept {request.method}; use {allowed}"
    elif exc.status == 413:
        msg = "request body is larger than 1 MiB"
    elif request.path == WS_PATH:
        msg = f"{WS_PATH} only serves WebSocket upgrades"
    else:
        msg = f"request refused: {exc.reason}"
    return Refusal(ErrorCode.BAD_PARAMETER, msg, status=exc.status)
