"""One logical REST call: rate-limited, signed when the endpoint needs it, with the safe retries.

Two retries are safe and automatic because the server promises the request was not executed:
a `100006` time refusal (after correcting our clock offset, once) and a `429` (after the wait
the server asked for). An order placement is never resent once it may have reached the
server: its lost answer raises `OrderStateUnknown` (see `cdx.client.placement_answer`).
"""

from __future__ import annotations

import email.utils
import functools
import logging
import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from cdx.client.credentials import Credentials
from cdx.client.errors import NO_KEYS, ApiError, AuthError, BadResponse, error_for
from cdx.client.http_transport import Answer, open_http, send_bounded
from cdx.client.placement_answer import (
    PLACEMENT_HORIZON_MS,
    REFUSED_HTTP,
    PlacementSent,
    check_placement_answer,
)
from cdx.client.ratelimit import Priority, RateLimiter, retry_after_ms
from cdx.client.transport_security import is_loopback, require_loopback
from cdx.protocol import codec
from cdx.protocol import endpoints as ep
from cdx.protocol.envelope import Envelope, EnvelopeError
from cdx.protocol.envelope import parse as parse_envelope
from cdx.protocol.errors import ErrorCode
from cdx.protocol.page import Page
from cdx.protocol.signing import signed_params

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_RATE_RETRIES = 2
"""How often a request refused with 429 is sent again (after the server's Retry-After)."""

_RATE_HEADERS = (
    ep.RATE_HEADER_GROUP,
    ep.RATE_HEADER_LIMIT,
    ep.RATE_HEADER_WINDOW,
    ep.RATE_HEADER_REMAINING,
)
_MS_NUMBER = re.compile(r"(?<!\d)\d{12,14}(?!\d)")


class RestSession:
    """The connection to one REST server and what every call shares: keys, limiter, clock.

    Without credentials it is `read_only`: market data works and signed calls raise an
    `AuthError` saying keys are needed. `clock` (seconds) is the local wall clock used to stamp
    signed requests; the offset to the server's clock is learnt from `100006` refusals.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        limiter: RateLimiter | None = None,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        correct_clock: bool = True,
        placement_horizon_ms: int = PLACEMENT_HORIZON_MS,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"REST URL must be http(s)://HOST[:PORT], got {base_url!r}")
        loopback = is_loopback(url.host)
        self._plain_http = url.scheme == "http"
        if self._plain_http and credentials is None and not loopback:
            log.warning("REST over plain http to %s: requests are not encrypted", url.host)
        self._transport_checked = not (self._plain_http and credentials is not None)
        self.base_url = str(url).rstrip("/")
        self.credentials = credentials
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.clock_offset_ms = 0
        """Server clock minus local clock, learnt from time refusals; added to `time`."""
        self.rate_headers: dict[str, dict[str, str]] = {}
        """The `X-RateLimit-*` headers of the last response of each group (for `cdx doctor`)."""
        self.deadline = timeout
        """Seconds one request may take in all: connect, send and the whole answer."""
        self.placement_horizon_ms = placement_horizon_ms
        """How long after its `time` stamp a placement may still execute on the server."""
        self._clock = clock
        self._correct_clock = correct_clock
        if credentials is None:
            log.info("no API keys (CDX_API_KEY/CDX_API_SECRET): read-only, market data only")
        self._host_key = url.netloc.decode("ascii")
        # Loopback skips proxies from the env, and so does plain http with keys: it may only
        # reach loopback, and a proxy from the environment would carry the signed requests
        # across a network unencrypted.
        trust_env = not (loopback or (self._plain_http and credentials is not None))
        self._open_http = functools.partial(
            open_http, self.base_url, timeout, trust_env=trust_env, transport=transport
        )
        self._client: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def _http(self) -> httpx.AsyncClient:
        """The HTTP client, made at the first request rather than here: making it loads the
        TLS trust store (20-30 ms; 7 % of the dashboard's start to its first frame in a
        profile), and the dashboard makes its session before that frame."""
        if self._client is None:
            if self._closed:
                raise RuntimeError("this REST session is closed")
            self._client = self._open_http()
        return self._client

    @property
    def read_only(self) -> bool:
        """True without credentials: only market data can be fetched."""
        return self.credentials is None

    def now_ms(self) -> int:
        """Our best estimate of the server's clock, in ms (local clock + learnt offset)."""
        return int(self._clock() * 1000) + self.clock_offset_ms

    async def check_transport(self) -> None:
        """Refuse plain http with API keys unless the host resolves to loopback only.

        Run before the first request (and cached): keys and signed orders must not cross a
        network unencrypted, and a spelling check is not enough, so the OS resolver decides
        (`cdx.client.transport_security`). Raises `InsecureTransport`, or
        `TransportError` if the host does not resolve; no request is sent in either case.
        """
        if self._transport_checked:
            return
        await require_loopback(self.base_url, self.deadline)
        self._transport_checked = True

    async def aclose(self) -> None:
        self._closed = True
        if self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _call(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority = Priority.BACKGROUND,
        *,
        retry_time: bool = True,
    ) -> Any:
        """Send one logical request (with the safe retries) and return the envelope's data."""
        data, _ = await self._request(endpoint, params, priority, retry_time=retry_time)
        return data

    async def _page(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority,
        decode: Callable[[Any], T],
    ) -> Page[T]:
        """One page of a paged endpoint, each entry read by `decode` (a bad one is skipped)."""
        data = await self._call(endpoint, params, priority)
        return self._decode(endpoint, lambda: Page.parse(data, endpoint, decode))

    async def _call_placing(
        self, params: Mapping[str, str], placing: PlacementSent
    ) -> tuple[Any, int]:
        """Send an order placement; returns its data and the `time` it was stamped with."""
        return await self._request(ep.PLACE_ORDER, params, Priority.USER, placing=placing)

    async def _request(
        self,
        endpoint: ep.Endpoint,
        params: Mapping[str, str],
        priority: Priority,
        *,
        placing: PlacementSent | None = None,
        retry_time: bool = True,
    ) -> tuple[Any, int]:
        unexpected = set(params) - endpoint.allowed
        if unexpected:
            raise ValueError(f"{endpoint.name} takes no {sorted(unexpected)}")
        if endpoint.signed and self.credentials is None:
            raise AuthError(
                NO_KEYS,
                "",
                "this needs API keys: set CDX_API_KEY and CDX_API_SECRET "
                "(without them cdx shows market data only)",
            )
        if not self._transport_checked:
            await self.check_transport()
        key = self.credentials.api_key if endpoint.signed and self.credentials else self._host_key
        time_retries = 1 if retry_time and self._correct_clock else 0
        rate_retries = MAX_RATE_RETRIES
        while True:
            async with self.limiter.slot(endpoint.group, key, priority):
                request, sent_ms = self._build(endpoint, params)
                response = await send_bounded(
                    self._http,
                    request,
                    self.deadline,
                    base_url=self.base_url,
                    path=endpoint.path,
                    placing=placing,
                    sent_ms=sent_ms,
                )
            self.limiter.observe(endpoint.group, key, response.headers, response.status_code)
            self._remember_rate_headers(endpoint, response.headers)
            envelope = self._envelope(endpoint, response, sent_ms, placing)
            if placing is not None:
                check_placement_answer(response.status_code, envelope, sent_ms, placing)
            if envelope.ok:
                return envelope.data, sent_ms
            code = envelope.code
            if code == ErrorCode.TIME_WINDOW and endpoint.signed:
                server_ms = _server_time_ms(envelope.msg, response.headers, sent_ms)
                skew_ms = None if server_ms is None else server_ms - sent_ms
                if skew_ms is not None and time_retries > 0:
                    time_retries -= 1
                    self.clock_offset_ms += skew_ms
                    log.warning("server clock differs from ours by %+d ms; correcting", skew_ms)
                    continue
                raise _time_error(envelope.msg, skew_ms)
            if code == ErrorCode.RATE_LIMITED and rate_retries > 0:
                rate_retries -= 1
                continue
            raise error_for(code, envelope.msg, retry_after_ms=_retry_ms(response.headers))

    def _build(self, endpoint: ep.Endpoint, params: Mapping[str, str]) -> tuple[httpx.Request, int]:
        """The request as sent, signed with the `time` stamp it carries (our best server time)."""
        sent_ms = self.now_ms()
        values = {name: value for name, value in params.items() if value != ""}
        if endpoint.signed and self.credentials is not None:
            values = signed_params(
                values, self.credentials.api_key, self.credentials.secret, sent_ms
            )
        if endpoint.method is ep.Method.GET:
            request = self._http.build_request("GET", endpoint.path, params=values)
        else:
            request = self._http.build_request("POST", endpoint.path, data=values)
        return request, sent_ms

    def _envelope(
        self,
        endpoint: ep.Endpoint,
        response: Answer,
        sent_ms: int,
        placing: PlacementSent | None,
    ) -> Envelope:
        """The answer's envelope; an answer without one is a `BadResponse`, and for a
        placement it proves nothing (unknown) unless HTTP itself refused the request."""
        try:
            return parse_envelope(response.content)
        except EnvelopeError as exc:
            status = response.status_code
            if placing is not None:
                if status in REFUSED_HTTP:
                    raise ApiError(
                        f"http_{status}",
                        "",
                        f"the server refused the request as too large (HTTP {status}); "
                        "the order was not placed",
                    ) from None
                cause = f"HTTP {status} without a protocol envelope"
                raise placing.unknown(sent_ms, cause) from None
            raise BadResponse(
                f"{endpoint.path} answered HTTP {status} without a protocol "
                f"envelope ({exc}); is the REST URL right?"
            ) from None

    def _decode(self, endpoint: ep.Endpoint, build: Callable[[], T]) -> T:
        """`build()`, with any malformed answer it meets reported as a `BadResponse`."""
        try:
            return build()
        except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"malformed {endpoint.path} response: {exc}") from None

    def _remember_rate_headers(self, endpoint: ep.Endpoint, headers: httpx.Headers) -> None:
        seen = {name: headers[name] for name in _RATE_HEADERS if name in headers}
        self.rate_headers[endpoint.group.name] = seen


def _retry_ms(headers: httpx.Headers) -> int:
    wait = retry_after_ms(headers)
    return 0 if wait is None else int(wait)


def _server_time_ms(msg: str, headers: httpx.Headers, sent_ms: int) -> int | None:
    """The server's clock from a `100006` message (a ms timestamp that is not ours), else from
    the HTTP `Date` header (to the second, which is close enough for a 5 s window)."""
    candidates = [int(m) for m in _MS_NUMBER.findall(msg) if int(m) != sent_ms]
    if candidates:
        return candidates[-1]
    date = headers.get("Date")
    if date:
        try:
            return int(email.utils.parsedate_to_datetime(date).timestamp() * 1000)
        except (TypeError, ValueError):
            return None
    return None


def _time_error(msg: str, skew_ms: int | None) -> AuthError:
    if skew_ms is None:
        return AuthError(ErrorCode.TIME_WINDOW, msg, "time rejected: check the system clock")
    seconds = abs(skew_ms) / 1000
    where = "behind" if skew_ms > 0 else "ahead of"
    return AuthError(
        ErrorCode.TIME_WINDOW,
        msg,
        f"time rejected: your clock is {seconds:.0f} s {where} the server",
    )
