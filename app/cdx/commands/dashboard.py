"""`cdx` without a subcommand: the dashboard, on the embedded exchange or on any server.

With no `--rest-url` the embedded exchange starts on a free loopback port with the demo account
(so `cdx` works offline, out of the box) and stops when the dashboard closes. With `--rest-url`
and `--ws-url` the dashboard opens on that server, trading with `CDX_API_KEY`/`CDX_API_SECRET`
or read-only without them. This module is the only place that wires the UI to the embedded
exchange (DESIGN.md).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from cdx.client.credentials import Credentials
from cdx.client.rest import RestClient

log = logging.getLogger(__name__)

DEFAULT_SYMBOL = "btcusdt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard's options, on the top-level parser (`cdx --rest-url ...`)."""
    parser.add_argument(
        "--rest-url",
        help="REST root of a PROTOCOL.md server (default: start the embedded exchange)",
    )
    parser.add_argument("--ws-url", help="WebSocket URL of that server (needed with --rest-url)")
    parser.add_argument(
        "--symbol", default=DEFAULT_SYMBOL, help=f"symbol to open (default {DEFAULT_SYMBOL})"
    )


def log_path() -> Path:
    """Where the dashboard logs: `$XDG_STATE_HOME/cdx/cdx.log` (never the terminal)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "cdx" / "cdx.log"


def configure_logging(path: Path) -> None:
    """Send every log record to `path`; nothing may print into the TUI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise


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
    if rest_url and ws_url:
        return asyncio.run(_dashboard(rest_url, ws_url, symbol, Credentials.from_env()))
    return _on_embedded_exchange(symbol)


def _on_embedded_exchange(symbol: str) -> int:
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
    rest_url: str, ws_url: str, symbol: str, credentials: Credentials | None
) -> int:
    from cdx.ui.app import DashboardApp

    async with RestClient(rest_url, credentials) as rest:
        app = DashboardApp(rest, ws_url, symbol)
        await app.run_async()
        return app.return_code or 0
