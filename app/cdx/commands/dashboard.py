"""`cdx` without a subcommand: the dashboard, on the embedded exchange or on any server.

With no `--rest-url` the embedded exchange starts on a free loopback port with the demo account
(so `cdx` works offline, out of the box) and stops when the dashboard closes. With `--rest-url`
and `--ws-url` the dashboard opens on that server, trading with `CDX_API_KEY`/`CDX_API_SECRET`
or read-only without them. This module is the only place that wires the UI to the embedded
exchange (DESIGN.md).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
from typing import TYPE_CHECKING

from cdx.commands import arguments
from cdx.commands.logfile import configure_logging, log_path

if TYPE_CHECKING:
    import asyncio
    import subprocess

    from cdx.client.credentials import Credentials
    from cdx.client.rest import RestClient
    from cdx.ui.app import DashboardApp

log = logging.getLogger(__name__)

DEFAULT_SYMBOL = "btcusdt"

CHILD_NICENESS = 10
"""How much lower the embedded exchange's process runs than the dashboard's."""

__all__ = [
    "DEFAULT_SYMBOL",
    "add_arguments",
    "configure_logging",
    "log_path",
    "run",
    "spawn_embedded_exchange",
    "stop_embedded_exchange",
]


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
    if not (rest_url and ws_url):
        return _on_embedded_exchange(symbol)
    import asyncio

    from cdx.client.credentials import Credentials

    credentials = Credentials.from_env()
    return asyncio.run(_dashboard(rest_url, ws_url, symbol, credentials, share=True))


def _on_embedded_exchange(symbol: str) -> int:
    """The dashboard on an embedded exchange started beside it, not before it."""
    # Started before this process imports anything more: the exchange is ready well after the
    # first frame, so the full screen waits for it, not for the dashboard.
    rest_url, ws_url, child = spawn_embedded_exchange()
    try:
        import asyncio

        from cdx.client.credentials import Credentials
        from cdx.sim.symbols import DEMO_API_KEY, DEMO_API_SECRET

        credentials = Credentials(DEMO_API_KEY, DEMO_API_SECRET)
        return asyncio.run(_dashboard(rest_url, ws_url, symbol, credentials))
    finally:
        stop_embedded_exchange(child)


def spawn_embedded_exchange() -> tuple[str, str, subprocess.Popen[bytes]]:
    """Start the demo exchange in a child process; its (REST URL, WebSocket URL, process).

    The port is bound here first, so the URLs are known at once; the exchange starts on that
    socket in the child, on another core, while the caller goes on (the dashboard imports
    and paints); requests made before it serves wait in the socket's backlog. The child
    stops when its stdin closes (`stop_embedded_exchange`, or this process ending anyhow).
    """
    import socket
    import subprocess

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "cdx.commands.dashboard", "--serve-fd", str(listener.fileno())],
        pass_fds=(listener.fileno(),),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # its log records go to the log file; the TUI owns the tty
    )
    listener.close()  # the child holds it now
    rest_url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}{WS_PATH}"
    log.info("embedded exchange starting at %s (pid %d)", rest_url, child.pid)
    return rest_url, ws_url, child


WS_PATH = "/kline-api/ws"
"""Where the embedded exchange serves its WebSocket (`cdx.server.app.WS_PATH`, not imported:
that would load the server's libraries into the dashboard's process)."""


def stop_embedded_exchange(child: subprocess.Popen[bytes]) -> None:
    """Close the child's stdin (its signal to stop) and wait for it; kill it if it hangs."""
    import subprocess

    if child.stdin is not None:
        child.stdin.close()
    try:
        child.wait(3.0)
    except subprocess.TimeoutExpired:
        log.warning("embedded exchange did not stop; killing it")
        child.kill()
        child.wait()


def serve_embedded(fd: int) -> int:
    """The child of `_on_embedded_exchange`: serve the demo exchange on the listening socket
    `fd` until stdin closes (the dashboard has exited)."""
    import asyncio
    import socket
    import threading

    # Below the dashboard's priority: on a busy machine the first frame comes first, and the
    # demo market never takes the CPU a key needs (measured: first paint 0.93 -> 0.64 s on a
    # loaded 2-core machine, full screen unchanged).
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    from cdx.server.runner import SimConfig, start_exchange

    try:
        configure_logging(log_path())
    except OSError:
        logging.disable(logging.CRITICAL)  # nowhere safe to write; the dashboard reports it

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def wait_for_eof() -> None:
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=wait_for_eof, name="cdx-parent", daemon=True).start()
        exchange = await start_exchange(SimConfig(), socket.socket(fileno=fd))
        try:
            await stop.wait()
        finally:
            await exchange.stop()

    asyncio.run(serve())
    return 0


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
    # No collections before the first frame (`_collect_after_first_frame`): start-up makes
    # 125,000 objects, most of them for good, and the interpreter's collections scanning them
    # as they came were 10-15 % of the CPU time to that frame.
    gc.disable()
    import asyncio

    from cdx.ui.app import DashboardApp
    from cdx.ui.default_size import DefaultSizes, default_sizes_path

    made: list[RestClient] = []

    def make_rest() -> RestClient:
        # Called by the app at its first request, after the first frame: importing the HTTP
        # library before it was a tenth of the time to that frame.
        from cdx.client.ratelimit import RateLimiter
        from cdx.client.rest import RestClient

        limiter = RateLimiter.shared_with_other_processes(rest_url) if share else None
        made.append(RestClient(rest_url, credentials, limiter))
        return made[-1]

    # Read-only without keys, as `RestClient.read_only` will say.
    app = DashboardApp(make_rest, ws_url, symbol, read_only=credentials is None)
    app.default_sizes = DefaultSizes(default_sizes_path())
    tending = tend_heap(app)
    collecting = asyncio.create_task(_collect_after_first_frame(app))
    try:
        await app.run_async()
    finally:
        tending.cancel()
        collecting.cancel()
        gc.enable()
        for rest in made:
            await rest.aclose()
    return app.return_code or 0


async def _collect_after_first_frame(app: DashboardApp) -> None:
    """Let the interpreter collect again once `app` shows its first frame: the first
    collection then falls in the wait for the exchange's first answer."""
    await app.first_frame.wait()
    gc.enable()


def tend_heap(app: DashboardApp) -> asyncio.Task[None]:
    """Tend `app`'s heap as the `cdx` command does (`heap.tend`: settled once the screen is
    full, then full collections when no key is arriving), until the task is cancelled."""
    import asyncio

    from cdx.ui import heap

    return asyncio.create_task(heap.tend(lambda: full_screen(app), lambda: app.last_key_at))


def full_screen(app: DashboardApp) -> bool:
    """Whether the dashboard shows its data: the book of its symbol, and the account unless
    it is read-only (the moment `heap.settle_when` waits for)."""
    if getattr(app, "ladder", None) is None:
        return False  # not mounted yet: the ladder, which holds the step, is not there
    has_account = app.account is not None or app.read_only
    return has_account and app.market.book(app.symbol_name, app.step) is not None


if __name__ == "__main__":
    # `python -m cdx.commands.dashboard --serve-fd N`: the embedded exchange's child process.
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-fd":
        sys.exit(serve_embedded(int(sys.argv[2])))
    sys.exit("usage: python -m cdx.commands.dashboard --serve-fd FD")
