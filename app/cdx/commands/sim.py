"""`cdx sim`: run the embedded exchange alone, so several dashboards can watch one market.

The first stdout line gives the URLs (with the real port when `--port 0`), flushed at once so a
script or test can read it; the process then serves until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from typing import Any

from cdx.commands import arguments
from cdx.commands.printable import PrintableFormatter, printable
from cdx.server.runner import SimConfig, start_exchange
from cdx.sim.symbols import DEMO_API_SECRET

logger = logging.getLogger(__name__)

SECRET_ENV = "CDX_SIM_API_SECRET"


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sim` subcommand to the `cdx` parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sim",
        help="run the embedded exchange alone",
        description="Run the embedded exchange (REST + WebSocket on one port) with a demo "
        "account and a synthetic market, until SIGINT or SIGTERM. The first line printed is "
        "'rest=URL ws=URL'.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimConfig()
    parser.add_argument(
        "--host", type=arguments.listen_host, default=defaults.host, help="address to listen on"
    )
    parser.add_argument(
        "--port",
        type=arguments.listen_port,
        default=defaults.port,
        help="port to listen on, 0 to 65535 (0: any free port)",
    )
    parser.add_argument(
        "--seed", type=arguments.seed, default=defaults.seed, help="seed of the synthetic market"
    )
    parser.add_argument("--api-key", default=defaults.api_key, help="API key of the demo account")
    parser.add_argument(
        "--api-secret",
        default=None,
        help=f"API secret of the demo account (default: ${SECRET_ENV}, else {DEMO_API_SECRET!r}); "
        f"prefer ${SECRET_ENV}: a secret on the command line is visible in the process list",
    )
    parser.add_argument(
        "--rate",
        type=arguments.bounded_rate,
        default=defaults.rate,
        metavar="HZ",
        help="synthetic market changes per second per book, 0 to 1000 (0: frozen after start)",
    )


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """The exchange configuration; the secret comes from the flag, the environment or the demo."""
    secret = args.api_secret or os.environ.get(SECRET_ENV) or DEMO_API_SECRET
    return SimConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        api_key=args.api_key,
        api_secret=secret,
        rate=args.rate,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until a signal; exit status 0 on SIGINT/SIGTERM, 1 if the port cannot be opened."""
    root = logging.getLogger()
    if not root.handlers:
        # A server logs what clients sent it; escaped, so no client can write to our terminal.
        handler = logging.StreamHandler()
        handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    try:
        return asyncio.run(_serve(config_from_args(args)))
    except OSError as exc:
        why = printable(exc.strerror or exc)
        print(f"cdx sim: cannot listen on {args.host}:{args.port}: {why}", file=sys.stderr)
        return 1


async def _serve(config: SimConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    exchange = await start_exchange(config)
    try:
        print(f"rest={exchange.rest_url} ws={exchange.ws_url}", flush=True)
        await stop.wait()
    finally:
        await exchange.stop()
    return 0
