"""HTTP for the REST client: one overall deadline per request and a cap on the body.

httpx's own timeouts bound each read, so a body that trickles a byte a second would never
end; here connect, send and the whole (size-capped) body share one deadline. A failure is
reported as the typed error a caller can act on, and for an order placement as
`OrderStateUnknown` once the request may have reached the server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from cdx import __version__
from cdx.client.errors import BadResponse, TransportError
from cdx.client.placement_answer import PlacementSent
from cdx.protocol import limits

MAX_BODY_BYTES = limits.MAX_JSON_TEXT
"""Largest response body read (the JSON reader's own limit); the largest real answer (200
orders) is under 100 KiB."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A response read in full within its deadline."""

    status_code: int
    headers: httpx.Headers
    content: bytes


def open_http(
    base_url: str,
    timeout: float,
    *,
    trust_env: bool,
    transport: httpx.AsyncBaseTransport | None,
) -> httpx.AsyncClient:
    """The client every request goes through: TLS always verified (never turned off), no
    redirects followed (a signed request must not be replayed elsewhere), proxies from the
    environment only if `trust_env`."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        verify=True,
        trust_env=trust_env,
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": f"cdx/{__version__}"},
    )


async def send_bounded(
    http: httpx.AsyncClient,
    request: httpx.Request,
    deadline: float,
    *,
    base_url: str,
    path: str,
    placing: PlacementSent | None,
    sent_ms: int,
) -> Answer:
    """Send `request` and read its whole body within `deadline` seconds in all.

    `base_url` and `path` name the request in messages. Raises `TransportError` if the server
    was never reached; otherwise `TransportError` or `BadResponse`, or for a placement
    (`placing`, stamped `sent_ms`) `OrderStateUnknown`.
    """
    try:
        async with asyncio.timeout(deadline):
            response = await http.send(request, stream=True)
            try:
                body = await _read_capped(response, MAX_BODY_BYTES)
            finally:
                await response.aclose()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Never reached the server: safe to report as a plain transport failure.
        raise TransportError(
            f"cannot reach {base_url}: {describe(exc)}; is the server running and the URL right?"
        ) from None
    except TimeoutError:
        cause = f"no complete answer within {deadline:g} s"
        if placing is not None:
            raise placing.unknown(sent_ms, cause) from None
        raise TransportError(f"{path} on {base_url}: {cause}") from None
    except _BodyTooLarge:
        cause = f"answer larger than {MAX_BODY_BYTES // 1024} KiB"
        if placing is not None:
            raise placing.unknown(sent_ms, cause) from None
        raise BadResponse(f"{path} on {base_url}: {cause}") from None
    except httpx.HTTPError as exc:
        if placing is not None:
            raise placing.unknown(sent_ms, describe(exc)) from None
        raise TransportError(f"{path} on {base_url} failed: {describe(exc)}") from None
    return Answer(response.status_code, response.headers, body)


def describe(exc: httpx.HTTPError) -> str:
    """An httpx error for a message: its class name says what failed when its text is empty."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _BodyTooLarge(Exception):
    """A response body grew past `MAX_BODY_BYTES`."""


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The (decoded) body, or `_BodyTooLarge` as soon as it passes `limit` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and len(declared) < 20 and int(declared) > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
