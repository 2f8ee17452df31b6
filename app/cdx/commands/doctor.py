"""`cdx doctor`: check a setup end to end and name the cause of whatever is wrong.

One line per check, `ok` or `FAIL`, with a cause the user can act on; exit 0 only if every
check passes. Without `--rest-url` it checks the embedded exchange it starts itself (with the
keys from `CDX_API_KEY`/`CDX_API_SECRET`, or the demo keys), which shows whether this install
of cdx works at all.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect

from cdx.client.credentials import Credentials
from cdx.client.errors import AuthError, BadResponse, CdxError, TransportError
from cdx.client.rest import RestClient, is_loopback
from cdx.commands import arguments
from cdx.commands.printable import printable
from cdx.protocol import channels, frames, messages
from cdx.protocol import endpoints as ep
from cdx.protocol.errors import ErrorCode
from cdx.protocol.signing import TIME_WINDOW_MS

log = logging.getLogger(__name__)

SKEW_WARN_MS = 1000


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check: `detail` says what was found or what to fix."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


@dataclass(frozen=True, slots=True)
class _WsProbe:
    check: Check
    server_ms: int | None = None  # the server's clock, from the subscribe reply
    local_ms: int | None = None  # our clock at the same moment (mid round trip)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "doctor",
        help="check the connection, clock, keys and rate limits",
        description="Check REST, WebSocket, clock skew, API key and signature, and rate-limit "
        "headers; one line per check. Exit 0 only if all pass. Without --rest-url it checks "
        "the embedded exchange.",
    )
    parser.add_argument(
        "--rest-url", type=arguments.rest_url, default=argparse.SUPPRESS, help="REST root to check"
    )
    parser.add_argument(
        "--ws-url",
        type=arguments.ws_url,
        default=argparse.SUPPRESS,
        help="WebSocket URL to check (default: /kline-api/ws on the REST host)",
    )
    parser.set_defaults(func=run, command_log=True)


def run(args: argparse.Namespace) -> int:
    rest_url: str | None = getattr(args, "rest_url", None)
    ws_url: str | None = getattr(args, "ws_url", None)
    credentials = Credentials.from_env()
    if not rest_url:
        return _run_embedded(credentials)
    ws_url = ws_url or default_ws_url(rest_url)
    checks = asyncio.run(diagnose(rest_url, ws_url, credentials))
    return report(checks)


def report(checks: list[Check]) -> int:
    """Print one line per check; what the server said in a detail is escaped first."""
    for check in checks:
        print(printable(check.line()), flush=True)
    return 0 if all(check.ok for check in checks) else 1


def default_ws_url(rest_url: str) -> str:
    """The embedded exchange's layout: the WebSocket on the REST port at `/kline-api/ws`."""
    parts = urlsplit(rest_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/kline-api/ws"


def _run_embedded(credentials: Credentials | None) -> int:
    from cdx.server.runner import BackgroundExchange, SimConfig

    if credentials is None:
        config = SimConfig()  # the demo account
        credentials = Credentials(config.api_key, config.api_secret)
    else:
        config = SimConfig(api_key=credentials.api_key, api_secret=credentials.secret)
    exchange = BackgroundExchange(config).start()
    try:
        print(f"checking the embedded exchange at {printable(exchange.rest_url)}", flush=True)
        return report(asyncio.run(diagnose(exchange.rest_url, exchange.ws_url, credentials)))
    finally:
        exchange.stop()


async def diagnose(
    rest_url: str,
    ws_url: str,
    credentials: Credentials | None,
    *,
    timeout: float = 5.0,
    clock: Callable[[], float] = time.time,
) -> list[Check]:
    """Run every check against one server and return them in order (never raises for a bad
    setup: that is what the checks report)."""
    try:
        rest = RestClient(rest_url, credentials, timeout=timeout, clock=clock)
    except ValueError as exc:
        return [Check("REST reachable", False, str(exc))]
    async with rest:
        rest_check, symbol = await _contained(
            "REST reachable", _check_rest(rest), lambda c: (c, "btcusdt")
        )
        ws = await _contained("WebSocket", _check_ws(ws_url, symbol, timeout, clock), _WsProbe)
        checks = [rest_check, ws.check]
        if not rest_check.ok:
            why = "not checked: the REST API is unreachable"
            checks += [Check(n, False, why) for n in ("clock", "API key", "rate limits")]
            return checks
        checks.append(await _contained("clock", _check_clock(rest, ws, timeout, clock)))
        checks.append(await _contained("API key", _check_key(rest)))
        try:
            checks.append(_check_rate_headers(rest))
        except Exception as exc:
            checks.append(_unexpected("rate limits", exc))
    return checks


async def _contained(
    name: str,
    check: Awaitable[Any],
    wrap: Callable[[Check], Any] = lambda check: check,
) -> Any:
    """Run one check; an error nobody expected (a reply nested too deep to parse, a bug)
    fails that check with one line, logged with its traceback, and the others still run."""
    try:
        return await check
    except Exception as exc:
        return wrap(_unexpected(name, exc))


def _unexpected(name: str, exc: Exception) -> Check:
    log.error("doctor: the %s check failed unexpectedly", name, exc_info=exc)
    return Check(name, False, f"unexpected {type(exc).__name__}: {str(exc)[:300]}")


async def _check_rest(rest: RestClient) -> tuple[Check, str]:
    name = "REST reachable"
    started = time.perf_counter()
    try:
        symbols = await rest.symbols()
    except TransportError as exc:
        return Check(name, False, str(exc)), "btcusdt"
    except BadResponse as exc:
        return Check(name, False, f"{exc} (is this a PROTOCOL.md server?)"), "btcusdt"
    except CdxError as exc:
        return Check(name, False, f"/v1/symbols refused: {exc}"), "btcusdt"
    if not symbols:
        return Check(name, False, f"{rest.base_url} lists no symbols"), "btcusdt"
    ms = (time.perf_counter() - started) * 1000
    detail = f"{rest.base_url} ({len(symbols)} symbols, {ms:.0f} ms)"
    return Check(name, True, detail), symbols[0].name


async def _check_ws(
    ws_url: str, symbol: str, timeout: float, clock: Callable[[], float]
) -> _WsProbe:
    name = "WebSocket"
    channel = channels.ticker(symbol)
    host = urlsplit(ws_url).hostname or ""
    try:
        async with asyncio.timeout(timeout):
            async with connect(
                ws_url,
                open_timeout=timeout,
                ping_interval=None,
                proxy=None if is_loopback(host) else True,
            ) as ws:
                sent_ms = int(clock() * 1000)
                await _send(ws, messages.Sub(channel, "doctor"))
                reply = await _receive(ws, _answers_sub)
                got_ms = int(clock() * 1000)
                if isinstance(reply, messages.ErrorReply):
                    why = reply.reason or "refused"
                    return _WsProbe(Check(name, False, f"subscribe to {channel} refused: {why}"))
                await _receive(ws, lambda m: isinstance(m, messages.Push) and m.channel == channel)
                number = int(clock() * 1000)
                await _send(ws, messages.Ping(number))
                await _receive(ws, lambda m: m == messages.Pong(number))
    except TimeoutError:
        return _WsProbe(
            Check(
                name, False, f"{ws_url} did not answer a subscribe and a ping within {timeout:g} s"
            )
        )
    except (OSError, websockets.WebSocketException) as exc:
        return _WsProbe(
            Check(name, False, f"cannot connect to {ws_url}: {exc}; is --ws-url right?")
        )
    except frames.FrameError as exc:
        return _WsProbe(Check(name, False, f"{ws_url} sent a malformed frame: {exc}"))
    except messages.MessageError as exc:
        return _WsProbe(Check(name, False, f"{ws_url} sent a malformed message: {exc}"))
    detail = f"subscribed to {channel}, got a push, heartbeat answered"
    return _WsProbe(Check(name, True, detail), reply.ts, (sent_ms + got_ms) // 2)


def _answers_sub(message: messages.ServerMessage) -> bool:
    """An acceptance, or a refusal naming the subscription (or naming nothing)."""
    if isinstance(message, messages.Subed):
        return True
    refusals = (messages.Sub.EVENT, messages.Subed.EVENT_REP, messages.ERROR)
    return isinstance(message, messages.ErrorReply) and message.event in refusals


async def _send(ws: ClientConnection, message: messages.ClientMessage) -> None:
    await ws.send(frames.encode_text(message.encode()))


async def _receive(ws: ClientConnection, wanted: Callable[[messages.ServerMessage], bool]) -> Any:
    """The next message `wanted` accepts, answering the server's pings meanwhile.

    A malformed message raises `MessageError`: a server of the protocol sends none.
    """
    while True:
        message = messages.parse_server(frames.decode(await ws.recv()))
        if isinstance(message, messages.Ping):
            await _send(ws, messages.Pong(message.value))
            continue
        if wanted(message):
            return message


async def _check_clock(
    rest: RestClient,
    ws: _WsProbe,
    timeout: float,
    clock: Callable[[], float],
) -> Check:
    name = "clock"
    credentials = rest.credentials
    if credentials is not None:
        # A signed request stamped with our own clock, uncorrected: what the server thinks.
        async with RestClient(
            rest.base_url,
            credentials,
            rest.limiter,
            timeout=timeout,
            clock=clock,
            correct_clock=False,
        ) as probe:
            try:
                await probe.account()
            except AuthError as exc:
                if exc.code == ErrorCode.TIME_WINDOW:
                    return Check(name, False, f"{exc.hint}; fix the system clock (NTP)")
            except CdxError:
                pass  # not a clock problem: the API key check says what it is
    if ws.server_ms is None or ws.local_ms is None:
        if credentials is not None:
            return Check(name, True, f"within the server's ±{TIME_WINDOW_MS // 1000} s window")
        return Check(name, False, "cannot tell: no server time from the WebSocket and no keys")
    skew = ws.local_ms - ws.server_ms
    where = "ahead of" if skew > 0 else "behind"
    text = f"your clock is {abs(skew) / 1000:.1f} s {where} the server"
    if abs(skew) > TIME_WINDOW_MS:
        return Check(name, False, f"time rejected: {text}; fix the system clock (NTP)")
    if abs(skew) > SKEW_WARN_MS:
        return Check(name, True, f"{text} (cdx corrects for it; consider NTP)")
    return Check(name, True, f"within {abs(skew) / 1000:.1f} s of the server")


async def _check_key(rest: RestClient) -> Check:
    name = "API key"
    if rest.credentials is None:
        return Check(
            name,
            False,
            "no API key: set CDX_API_KEY and CDX_API_SECRET (market data works without them)",
        )
    try:
        account = await rest.account()
    except AuthError as exc:
        return Check(name, False, str(exc))
    except CdxError as exc:
        return Check(name, False, f"signed request failed: {exc}")
    return Check(name, True, f"key known, signature accepted ({len(account.balances)} balances)")


def _check_rate_headers(rest: RestClient) -> Check:
    name = "rate limits"
    declared = {group.name: group for group in ep.RATE_GROUPS}
    found: list[str] = []
    for group_name, headers in rest.rate_headers.items():
        missing = [
            h
            for h in (ep.RATE_HEADER_LIMIT, ep.RATE_HEADER_WINDOW, ep.RATE_HEADER_REMAINING)
            if h not in headers
        ]
        if missing:
            return Check(
                name,
                False,
                f"{group_name} responses lack {', '.join(missing)}; cdx falls back to the "
                "documented limits",
            )
        limit, window = headers[ep.RATE_HEADER_LIMIT], headers[ep.RATE_HEADER_WINDOW]
        text = f"{group_name} {limit}/{window} ms"
        group = declared.get(group_name)
        if group is not None and (limit, window) != (str(group.limit), str(group.window_ms)):
            text += f" (documented {group.limit}/{group.window_ms} ms; cdx keeps the stricter)"
        found.append(text)
    if not found:
        return Check(name, False, "no response carried X-RateLimit-* headers")
    return Check(name, True, ", ".join(found))
