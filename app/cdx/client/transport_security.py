"""Whether signed requests may go over plain http: only to a host that is this machine.

Keys and signed orders must not cross a network unencrypted, and a spelling check is not
enough (`127.1`, a name in /etc/hosts, `[::ffff:127.0.0.1]` are loopback;
`localhost.example.com` is not), so the OS resolver has the last word.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx

from cdx.client.errors import InsecureTransport, TransportError


def is_loopback(host: str) -> bool:
    """Whether `host` is spelled as this machine, without asking DNS (so it never blocks).

    Used to skip proxies from the environment; numeric spellings the OS accepts count too
    (`127.1`, `2130706433`, `[::ffff:127.0.0.1]`). Whether signed requests may go over plain
    http is decided by `resolves_to_loopback`, which asks the resolver.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    address = _numeric_address(name)
    return address is not None and _loopback_address(address)


def resolves_to_loopback(host: str, port: int | None = None) -> tuple[bool, tuple[str, ...]]:
    """Whether every address the OS resolves `host` to is a loopback address, and those
    addresses (for the message). Blocking: call it in a thread. Raises `OSError` if `host`
    does not resolve."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    verdict = bool(addresses) and all(
        (address := _numeric_address(text)) is not None and _loopback_address(address)
        for text in addresses
    )
    return verdict, addresses


async def require_loopback(base_url: str, deadline: float) -> None:
    """Raise unless the host of `base_url` resolves to loopback only, within `deadline` s.

    Raises `InsecureTransport`, or `TransportError` if the host does not resolve; the caller
    sends nothing in either case.
    """
    url = httpx.URL(base_url)
    host = url.host
    try:
        async with asyncio.timeout(deadline):
            local, addresses = await asyncio.to_thread(resolves_to_loopback, host, url.port)
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise TransportError(f"cannot resolve {host!r}: {exc or 'timed out'}") from None
    if not local:
        shown = ", ".join(addresses[:4])
        raise InsecureTransport(
            f"refusing to send API requests over plain http to {host} ({shown}): keys "
            f"and orders would travel unencrypted; use https://{url.netloc.decode()}, "
            "or plain http only to this machine (loopback)"
        )


def _numeric_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`text` as an IP address in any numeric form the OS accepts (`127.1` included)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _loopback_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An IPv4-mapped IPv6 address is judged by the IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
