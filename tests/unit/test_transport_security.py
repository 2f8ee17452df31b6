"""Signed requests never cross a network in plain http (issue 10, family 8).

With API keys, `http://` is allowed only to a host the OS resolves to loopback addresses only,
whatever its spelling (`127.1`, `[::ffff:127.0.0.1]`, `localhost`); anything else is refused
before a single request is sent. Without keys (market data only) plain http stays allowed with
a warning in the log. The loopback cases run against the real `hostile` front.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from decimal import Decimal

import httpx
import pytest

from cdx.client.credentials import Credentials
from cdx.client.errors import InsecureTransport, TransportError
from cdx.client.placement import NotPlaced, OrderRequest, send_order
from cdx.client.rest import RestClient, is_loopback, resolves_to_loopback
from cdx.model.order import OrderType, Side

SECRET = "demo-secret"
DEMO = Credentials("demo", SECRET)


class Recorder(httpx.AsyncBaseTransport):
    """A transport that records what would have been sent and answers nothing useful."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, content=b'{"code":"0","msg":"suc","data":[]}')


def port_of(url: str) -> int:
    port = httpx.URL(url).port
    assert port is not None
    return port


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host", ["127.1", "localhost", "127.0.0.1", "2130706433", "0x7f.0.0.1"])
async def test_keys_over_http_to_a_loopback_spelling_work(hostile, host: str) -> None:
    url = f"http://{host}:{port_of(hostile.rest_url)}"
    async with RestClient(url, DEMO) as rest:
        account = await rest.account()
    assert account.balance("usdt").available > 0


async def test_keys_over_http_to_an_ipv4_mapped_loopback_work(hostile) -> None:
    if not ipv6_loopback_available():
        pytest.skip("no IPv6 on this machine")
    url = f"http://[::ffff:127.0.0.1]:{port_of(hostile.rest_url)}"
    async with RestClient(url, DEMO) as rest:
        await rest.check_transport()  # allowed: resolves to loopback only
        try:
            await rest.account()
        except TransportError:
            pytest.skip("this machine cannot connect to IPv4-mapped addresses")


@pytest.mark.parametrize(
    "host", ["192.0.2.10", "[2001:db8::1]", "[::ffff:192.0.2.10]", "0.0.0.0", "10.0.0.1"]
)
async def test_keys_over_http_to_another_host_are_refused_before_sending(host: str) -> None:
    recorder = Recorder()
    async with RestClient(f"http://{host}:8080", DEMO, transport=recorder) as rest:
        with pytest.raises(InsecureTransport, match="https://") as info:
            await rest.account()
        with pytest.raises(InsecureTransport):
            await rest.ticker("btcusdt")  # market data too: the client is misconfigured
    assert recorder.sent == []
    assert SECRET not in str(info.value)


async def test_a_host_name_is_judged_by_what_the_os_resolves(monkeypatch) -> None:
    """`localhost.evil` is not loopback because it is spelled like it; only the resolver says."""
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if host == "localhost.evil":
            return real("192.0.2.7", *args, **kwargs)
        if host == "my-box.internal":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    recorder = Recorder()
    async with RestClient("http://localhost.evil:80", DEMO, transport=recorder) as rest:
        with pytest.raises(InsecureTransport, match=r"192\.0\.2\.7"):
            await rest.account()
    async with RestClient("http://my-box.internal:80", DEMO, transport=recorder) as rest:
        await rest.check_transport()
    assert recorder.sent == []


async def test_a_placement_refused_for_plain_http_is_not_placed() -> None:
    recorder = Recorder()
    order = OrderRequest("btcusdt", Side.BUY, OrderType.LIMIT, Decimal("0.01"), Decimal("20000"))
    async with RestClient("http://192.0.2.10", DEMO, transport=recorder) as rest:
        outcome = await send_order(rest, order)
    assert isinstance(outcome, NotPlaced), outcome
    assert "https" in outcome.reason and SECRET not in outcome.reason
    assert recorder.sent == []


async def test_a_host_that_does_not_resolve_is_a_transport_error_with_nothing_sent() -> None:
    recorder = Recorder()
    url = "http://no-such-host.invalid"
    async with RestClient(url, DEMO, transport=recorder, timeout=1.0) as rest:
        with pytest.raises(TransportError, match="resolve"):
            await rest.account()
    assert recorder.sent == []


async def test_https_with_keys_is_never_questioned() -> None:
    recorder = Recorder()
    async with RestClient("https://192.0.2.10", DEMO, transport=recorder) as rest:
        await rest.symbols()
    assert len(recorder.sent) == 1


async def test_without_keys_plain_http_is_allowed_with_a_warning(caplog) -> None:
    recorder = Recorder()
    with caplog.at_level(logging.WARNING, logger="cdx.client.rest"):
        async with RestClient("http://192.0.2.10", None, transport=recorder) as rest:
            await rest.symbols()
    assert len(recorder.sent) == 1
    assert "not encrypted" in caplog.text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.1", True),
        ("2130706433", True),
        ("[::1]", True),
        ("[::ffff:127.0.0.1]", True),
        ("::ffff:7f00:1", True),
        ("10.0.0.1", False),
        ("[::ffff:10.0.0.1]", False),
        ("localhost.example.com", False),
        ("example.com", False),
    ],
)
def test_is_loopback_knows_numeric_spellings_without_dns(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_resolves_to_loopback_asks_the_os() -> None:
    assert resolves_to_loopback("127.1")[0]
    assert resolves_to_loopback("localhost")[0]
    assert not resolves_to_loopback("192.0.2.1")[0]


async def test_keys_over_http_never_go_through_a_proxy_from_the_environment(
    hostile, monkeypatch
) -> None:
    """A name that resolves to loopback is allowed, but a proxy named in the environment
    would carry the signed requests across a network: it is not used."""
    host = socket.gethostname()
    try:
        local = resolves_to_loopback(host)[0]
    except OSError:
        local = False
    if not local or is_loopback(host):
        pytest.skip("needs a host name that resolves to loopback without being spelled so")
    proxied: list[int] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        proxied.append(1)
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    proxy_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy_url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        url = f"http://{host}:{port_of(hostile.rest_url)}"
        async with RestClient(url, DEMO, timeout=2.0) as rest:
            account = await rest.account()
    finally:
        server.close()
    assert account.balance("usdt").available > 0
    assert proxied == []
