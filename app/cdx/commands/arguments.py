"""What the command line accepts: every typed value is checked here, before anything uses it.

Each function is an argparse `type=`: it returns the value or raises `ArgumentTypeError` with a
message that says what is wrong and what is accepted, so a bad value is a usage error (exit 2)
and never a traceback, a hang or a surprise. The checks are on the text, before any arithmetic:
`Decimal("1e999999999")` is cheap, but formatting or quantizing it takes gigabytes, and
`Decimal`/`int` accept Arabic-Indic and full-width digits and underscores that a user did not
mean to type.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from decimal import Decimal
from urllib.parse import SplitResult, urlsplit

from cdx.commands.printable import printable

MAX_NUMBER_CHARS = 40
"""Longest decimal accepted (more than any price or amount of any symbol needs)."""

MAX_URL_CHARS = 2048
"""Longest URL accepted; a REST root or WebSocket URL is far shorter."""

MAX_HOST_CHARS = 253
"""Longest host name DNS allows."""

_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"[0-9]+", re.ASCII)
_SYMBOL = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}", re.ASCII)
_COIN = re.compile(r"[a-z0-9]{1,16}", re.ASCII)
_HOST = re.compile(r"[A-Za-z0-9._:\[\]%-]+", re.ASCII)


def positive_decimal(text: str) -> Decimal:
    """A price or an amount: ASCII digits with at most one `.` and digits after it, above 0.

    No sign, exponent, spaces, `_` separators, `NaN`/`Infinity` or non-ASCII digits.
    """
    value = plain_decimal(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{_shown(text)} must be above zero")
    return value


def plain_decimal(text: str) -> Decimal:
    """A decimal number as a person writes it (`12`, `0.001`), bounded in length."""
    if len(text) > MAX_NUMBER_CHARS:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is too long for a number (at most {MAX_NUMBER_CHARS} characters)"
        )
    if not _DECIMAL.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a plain decimal number: use ASCII digits with an optional "
            "'.' and digits after it, e.g. 0.001 (no sign, exponent, spaces or separators)"
        )
    return Decimal(text)


def bounded_rate(text: str) -> float:
    """Synthetic market changes per second: a plain decimal from 0 to 1000."""
    value = plain_decimal(text)
    if value > 1000:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is above the limit of 1000 per second")
    return float(value)


def integer(text: str, *, low: int, high: int, what: str) -> int:
    """A whole number of ASCII digits between `low` and `high` (both included)."""
    if len(text) > len(str(high)) + 1 or not _INTEGER.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a {what}: use ASCII digits, {low} to {high}"
        )
    value = int(text)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is out of range: a {what} is {low} to {high}"
        )
    return value


def listen_port(text: str) -> int:
    """A port to listen on: 0 (any free port) to 65535."""
    return integer(text, low=0, high=65535, what="port")


def seed(text: str) -> int:
    """A seed of the synthetic market (a negative one, as `int` took before, still works)."""
    if text.startswith("-"):
        return -integer(text[1:], low=1, high=2**63, what="seed")
    return integer(text, low=0, high=2**63 - 1, what="seed")


def listen_host(text: str) -> str:
    """An address or host name to listen on, without spaces, controls or anything a DNS name
    cannot hold."""
    labels = text.strip("[]").split(".")
    if (
        not text
        or len(text) > MAX_HOST_CHARS
        or not _HOST.fullmatch(text)
        or any(len(label) > 63 for label in labels)
    ):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a host: use an IP address or a host name "
            f"(ASCII, at most {MAX_HOST_CHARS} characters)"
        )
    return text


def symbol(text: str) -> str:
    """A symbol as the protocol spells them (`btcusdt`), lower-cased; ASCII, short."""
    lowered = text.lower() if text.isascii() else text
    if not _SYMBOL.fullmatch(lowered):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a symbol: use ASCII letters and digits, e.g. btcusdt"
        )
    return lowered


def coin(text: str) -> str:
    """A coin as the protocol spells them (`usdt`), lower-cased; ASCII, short."""
    lowered = text.lower() if text.isascii() else text
    if not _COIN.fullmatch(lowered):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a coin: use ASCII letters and digits, e.g. usdt"
        )
    return lowered


def order_id(text: str) -> str:
    """An order id as the exchange writes them: ASCII digits (PROTOCOL.md section 2)."""
    if len(text) > 40 or not _INTEGER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not an order id (ASCII digits only)")
    return text


def rest_url(text: str) -> str:
    """A REST root: `http(s)://HOST[:PORT][/PATH]`, without query or fragment."""
    parts = _url(text, ("http", "https"), "--rest-url")
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a REST root: leave out '?' and '#' parts"
        )
    return text


def ws_url(text: str) -> str:
    """A WebSocket URL: `ws(s)://HOST[:PORT]/PATH`."""
    _url(text, ("ws", "wss"), "--ws-url")
    return text


def _url(text: str, schemes: tuple[str, ...], flag: str) -> SplitResult:
    """Split and check a URL; every problem is one sentence naming what to fix."""
    if len(text) > MAX_URL_CHARS:
        raise argparse.ArgumentTypeError(
            f"the URL is {len(text)} characters long; at most {MAX_URL_CHARS} are accepted"
        )
    if any(not char.isprintable() or char.isspace() for char in text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} contains spaces or control characters; is it quoted right?"
        )
    example = (
        f"{schemes[0]}://127.0.0.1:8700"
        if flag == "--rest-url"
        else (f"{schemes[0]}://127.0.0.1:8700/kline-api/ws")
    )
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when out of range or not a number
        host = parts.hostname
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a valid URL: {exc}") from None
    if parts.scheme.lower() not in schemes:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} must start with {' or '.join(s + '://' for s in schemes)}, "
            f"e.g. {example}"
        )
    if not host:
        raise argparse.ArgumentTypeError(f"{_shown(text)} names no host, e.g. {example}")
    if parts.username is not None or parts.password is not None:
        # A password in the URL would travel into log lines, messages and the process list.
        raise argparse.ArgumentTypeError(
            "the URL carries a user name or password ('user:pass@'); leave it out: "
            "keys come only from CDX_API_KEY / CDX_API_SECRET"
        )
    if port == 0:
        raise argparse.ArgumentTypeError(f"{_shown(text)} has port 0; a port is 1 to 65535")
    if len(host) > MAX_HOST_CHARS or any(len(label) > 63 for label in host.split(".")):
        raise argparse.ArgumentTypeError(f"{_shown(text)} has a host name DNS cannot hold")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} has a malformed IPv6 address"
            ) from None
    # The HTTP client's own reading (IDNA and all) must agree, or it would fail later with a
    # traceback; a WebSocket URL is checked as the http(s) URL of the same host.
    secure = parts.scheme.lower() in ("https", "wss")
    import httpx  # here, not at the top: `cdx --help` and `--version` never load it

    try:
        httpx.URL(parts._replace(scheme="https" if secure else "http").geturl())
    except (httpx.InvalidURL, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{_shown(text)} is not a valid URL: {exc}") from None
    return parts


def _shown(text: str, limit: int = 48) -> str:
    """The user's text quoted for a message: escaped and cut short."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return f"'{printable(cut)}'"
