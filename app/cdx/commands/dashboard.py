"""`cdx` without a subcommand: the dashboard, on the embedded exchange or on any server.

With no `--rest-url` the embedded exchange starts on a free loopback port with the demo account
(so `cdx` works offline, out of the box) and stops when the dashboard closes. With `--rest-url`
and `--ws-url` the dashboard opens on that server, trading with `CDX_API_KEY`/`CDX_API_SECRET`
or read-only without them. This module is the only place that wires the UI to the embedded
exchange (DESIGN.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from cdx.commands import arguments
from cdx.commands.logfile import configure_logging, log_path

if TYPE_CHECKING:
    from cdx.client.credentials import Credentials

log = logging.getLogger(__name__)

DEFAULT_SYMBOL = "btcusdt"

__all__ = ["DEFAULT_SYMBOL", "add_arguments", "configure_logging", "log_path", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard's options, on the top-level parser (`cdx --rest-url ...`); each value is
    checked as it is parsed, so a bad one is a usage error (exit 2), never a traceback."""
    parser.add_argument(
        "--rest-url",
        type=arguments.rest_url,
        help="REST root of a PROTOCOL.md server (default: start the embedded exchange)",
    )
    parser.add_argument(
        "--ws-url",
        type=arguments.ws_url,
        help="WebSocket URL of that server (needed with --rest-url)",
    )
    parser.add_argument(
        "--symbol",
        type=arguments.symbol,
        default=DEFAULT_SYMBOL,
        help=f"symbol to open (default {DEFAULT_SYMBOL})",
    )


def run(args: argparse.Namespace) -> int:
    """Open the dashboard; returns the exit code (2 for a usage error)."""
    rest_url: str | None = getattr(args, "rest_url", None)
    ws_url: str | None = getattr(args, "ws_url", None)
    symbol: str = (getattr(args, "symbol", None) or DEFAULT_SYMBOL).lower()
    if rest_url and not ws_url:
        print("cdx: error: --rest-url needs --ws-url as well", file=sys.stderr)
        return 2
    if ws_url and not rest_url:
        print("cdx: error: --ws-url needs --rest-url as well", file=sys.stderr)
        return 2
    try:
        configure_logging(log_path())
    except OSError as exc:
        print(f"cdx: cannot write the log file: {exc}", file=sys.stderr)
        return 1
    import asyncio

    from cdx.client.credentials import Credentials

    if rest_url and ws_url:
        credentials = Credentials.from_env()
        return asyncio.run(_dashboard(rest_url, ws_url, symbol, credentials, share=True))
    return _on_embedded_exchange(symbol)


def _on_embedded_exchange(symbol: str) -> int:
    import asyncio

    from cdx.client.credentials import Credentials
    from cdx.server.runner import BackgroundExchange, SimConfig

    config = SimConfig()
    exchange = BackgroundExchange(config).start()
    log.info("embedded exchange at %s", exchange.rest_url)
    try:
        credentials = Credentials(config.api_key, config.api_secret)
        return asyncio.run(_dashboard(exchange.rest_url, exchange.ws_url, symbol, credentials))
    finally:
        exchange.stop()


async def _dashboard(
    rest_url: str,
    ws_url: str,
    symbol: str,
    credentials: Credentials | None,
    *,
    share: bool = False,
) -> int:
    """Run the dashboard; with `share`, its rate budget is shared with the user's other cdx
    processes on the same server and key (an embedded exchange's is its own alone)."""
    from cdx.client.ratelimit import RateLimiter
    from cdx.client.rest import RestClient
    from cdx.ui.app import DashboardApp

    limiter = RateLimiter.shared_with_other_processes(rest_url) if share else None
    async with RestClient(rest_url, credentials, limiter) as rest:
        app = DashboardApp(rest, ws_url, symbol)
        await app.run_async()
        return app.return_code or 0
