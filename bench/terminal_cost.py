"""What the dashboard costs to watch: bytes per changed screen cell, UI CPU, and idle cost.

cdx is used over SSH and left open all day, so the bytes it writes and the CPU it burns are the
product. Each app runs in its own process on a pseudo-terminal (Textual's real Linux driver,
so every byte counted is a byte a terminal would receive); the embedded exchange runs here, in
a thread, so the child's CPU time is the UI's alone. The bytes are replayed on a small screen
model (cursor moves, SGR, text: what Textual and Rich write) to count the cells whose character
or style actually changed; bytes / changed cells is the figure. A rewrite of identical text
costs bytes and changes no cell, so it shows up here.

Baselines run the same way in the same run, fed the same market: a minimal Textual Line-API
ladder (whole widget refreshed per push), a DataTable ladder (cleared and refilled per push)
and a rich.Live table. Idle is a frozen market (no changes, only heartbeats): CPU and bytes/s,
read-only and, as `cdx` runs on its embedded exchange, with the demo account's keys (so
polling the account and open orders every second). `--idle-only` measures idle alone.

    .venv/bin/python -m bench.terminal_cost [--seconds 8] [--size 120x40]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from decimal import Decimal

KINDS = ("cdx", "cdx_textual_driver", "lineapi", "datatable", "live")
"""cdx_textual_driver: cdx with Textual's own Linux driver instead of `CellDiffDriver`."""
SYMBOL = "btcusdt"
SEED = 7
WARMUP_S = 3.0
PROFILE_FOR_S = 0.0
"""In a profiled child: exit after this long (a signal would not end the profile cleanly)."""
PROFILER: object = None
"""In a profiled child: the profiler, started after `WARMUP_S` (the measured window only)."""
NORMAL_RATE = 5.0
"""Changes per second per book: the embedded exchange's default, a normal market."""

_ESCAPE = re.compile(
    rb"\x1b\[([0-9;?<>=]*)([A-Za-z@`])|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07"
)


class Screen:
    """Just enough of a terminal to count changed cells: CUP/CUF/CR/LF moves, SGR, text.

    A cell is (character, the SGR parameters in force); a write that leaves both as they were
    is not a change. Wide characters are not modelled (nothing these apps draw is wide).
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: dict[tuple[int, int], tuple[str, str]] = {}
        self.x = self.y = 0
        self.sgr = ""
        self.changed = 0
        self._pending = b""

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        # Keep a trailing partial escape (or partial UTF-8) for the next read.
        cut = data.rfind(b"\x1b")
        if cut != -1 and _ESCAPE.match(data, cut) is None and len(data) - cut < 64:
            data, self._pending = data[:cut], data[cut:]
        else:
            self._pending = b""
        position = 0
        for match in _ESCAPE.finditer(data):
            self._text(data[position : match.start()])
            self._escape(match.group(1), match.group(2))
            position = match.end()
        rest = data[position:]
        try:
            rest.decode()
        except UnicodeDecodeError:
            for back in range(1, 4):
                try:
                    rest[:-back].decode()
                except UnicodeDecodeError:
                    continue
                self._pending = rest[-back:] + self._pending
                rest = rest[:-back]
                break
        self._text(rest)

    def _text(self, raw: bytes) -> None:
        for char in raw.decode(errors="replace"):
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y = min(self.y + 1, self.height - 1)
            elif char >= " ":
                if self.x < self.width:
                    cell = (char, self.sgr)
                    if self.cells.get((self.x, self.y)) != cell:
                        self.cells[(self.x, self.y)] = cell
                        self.changed += 1
                self.x += 1

    def _escape(self, params: bytes | None, final: bytes | None) -> None:
        if final is None or params is None or params[:1] in (b"?", b">", b"<", b"="):
            return
        numbers = [int(p) if p else 0 for p in params.split(b";")] if params else []
        if final == b"H" or final == b"f":
            self.y = max((numbers[0] if numbers else 1) - 1, 0)
            self.x = max((numbers[1] if len(numbers) > 1 else 1) - 1, 0)
        elif final == b"C":
            self.x += numbers[0] if numbers and numbers[0] else 1
        elif final == b"G":
            self.x = max((numbers[0] if numbers else 1) - 1, 0)
        elif final == b"m":
            text = params.decode()
            if text in ("", "0"):
                self.sgr = ""
            elif text.startswith("0;"):
                self.sgr = text[2:]
            else:
                self.sgr = f"{self.sgr};{text}" if self.sgr else text
        elif final == b"J" and numbers[:1] == [2]:
            self.cells.clear()


@dataclass
class Run:
    """One app watched for a window after its warm-up."""

    kind: str
    seconds: float
    bytes: int
    changed: int
    cpu_s: float

    @property
    def bytes_per_cell(self) -> float:
        return self.bytes / self.changed if self.changed else float("inf")

    @property
    def cpu_pct(self) -> float:
        return 100 * self.cpu_s / self.seconds

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds


def _cpu_s(pid: int) -> float:
    """CPU time of every thread of `pid`, in ns resolution (`schedstat`), so an idle app's few
    milliseconds are measured, not rounded to the 10 ms ticks of `/proc/<pid>/stat`."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0])
        except OSError:
            continue  # a thread that ended meanwhile
    return total / 1e9


def watch(
    kind: str, rest_url: str, ws_url: str, size: tuple[int, int], seconds: float, profile: str = ""
) -> Run:
    """Start `kind` on a pty of `size`, let it settle, then count its bytes, cells and CPU."""
    width, height = size
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(width))
    env["LINES"] = str(height)
    env.pop("TEXTUAL", None)
    env.pop("TEXTUAL_DRIVER", None)
    if kind == "cdx_textual_driver":
        env["TEXTUAL_DRIVER"] = "textual.drivers.linux_driver:LinuxDriver"
    argv = [sys.executable, "-m", "bench.terminal_cost", "--child", kind, rest_url, ws_url]
    if profile:
        argv += ["--profile", profile, "--seconds", str(seconds)]
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,  # Textual draws on stderr
        env=env,
        start_new_session=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    os.close(slave)
    screen = Screen(width, height)
    try:
        _pump(master, screen, time.monotonic() + WARMUP_S)
        screen.changed = 0
        cpu0, started = _cpu_s(child.pid), time.monotonic()
        written = _pump(master, screen, started + seconds)
        cpu1, ended = _cpu_s(child.pid), time.monotonic()
    finally:
        child.send_signal(signal.SIGINT if profile else signal.SIGTERM)
        try:
            if profile:
                _pump(master, Screen(width, height), time.monotonic() + 3.0)
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        os.close(master)
    return Run(kind, ended - started, written, screen.changed, cpu1 - cpu0)


def _pump(master: int, screen: Screen, until: float) -> int:
    """Read what the child writes until `until`, feeding the screen; the bytes read."""
    total = 0
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([master], [], [], left)
        if not ready:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        total += len(data)
        screen.feed(data)
    return total


# ------------------------------------------------------------------------------- the children


def _child(kind: str, rest_url: str, ws_url: str) -> None:
    if kind.startswith("cdx"):
        asyncio.run(_run_cdx(rest_url, ws_url, keys=kind == "cdx_keys"))
    elif kind == "live":
        asyncio.run(_run_live(ws_url))
    else:
        _baseline_app(kind, ws_url).run()


async def _run_cdx(rest_url: str, ws_url: str, *, keys: bool = False) -> None:
    """cdx read-only, or with `keys` trading with the demo account's keys as the `cdx` command
    runs on its embedded exchange: polling the account and open orders every second."""
    from cdx.client.credentials import Credentials
    from cdx.client.rest import RestClient
    from cdx.commands.dashboard import tend_heap
    from cdx.sim.symbols import DEMO_API_KEY, DEMO_API_SECRET
    from cdx.ui.app import DashboardApp

    credentials = Credentials(DEMO_API_KEY, DEMO_API_SECRET) if keys else None
    async with RestClient(rest_url, credentials) as rest:
        app = DashboardApp(rest, ws_url, SYMBOL)
        if PROFILE_FOR_S:
            asyncio.get_running_loop().call_later(PROFILE_FOR_S, app.exit)
            asyncio.get_running_loop().call_later(WARMUP_S, PROFILER.enable)  # type: ignore[attr-defined]
        tending = tend_heap(app)
        await app.run_async()  # the heap tended as the `cdx` command tends it
        tending.cancel()


def _ladder_rows(book: object, rows: int) -> list[tuple[str, str, str, str]]:
    """(side, price, amount, total) per line: asks above, bids below, like the cdx ladder."""
    asks, bids = list(book.asks), list(book.bids)  # type: ignore[attr-defined]
    half = max(rows - 1, 0) // 2

    def side(levels: list[tuple[Decimal, Decimal]], name: str) -> list[tuple[str, str, str, str]]:
        total = Decimal(0)
        out = []
        for price, amount in levels[:half]:
            total += amount
            out.append((name, f"{price:.2f}", f"{amount:.4f}", f"{total:.4f}"))
        return out

    return [*reversed(side(asks, "ask")), ("spread", "", "", ""), *side(bids, "bid")]


def _stream(ws_url: str, on_book: object) -> object:
    from cdx.client.stream import DepthEvent, MarketStream
    from cdx.protocol import channels

    def on_event(event: object) -> None:
        if isinstance(event, DepthEvent):
            on_book(event.book)  # type: ignore[operator]

    stream = MarketStream(ws_url, on_event)
    stream.subscribe(channels.depth(SYMBOL, 0))
    return stream


def _baseline_app(kind: str, ws_url: str) -> object:
    from rich.segment import Segment
    from rich.style import Style
    from textual.app import App, ComposeResult
    from textual.strip import Strip
    from textual.widget import Widget
    from textual.widgets import DataTable

    ask, bid, plain = Style(color="red"), Style(color="green"), Style()

    class LineLadder(Widget):
        """The plainest Line-API ladder: every push refreshes the whole widget."""

        rows: tuple[tuple[str, str, str, str], ...] = ()

        def render_line(self, y: int) -> Strip:
            if y >= len(self.rows):
                return Strip.blank(self.size.width)
            kind, price, amount, total = self.rows[y]
            style = ask if kind == "ask" else bid if kind == "bid" else plain
            text = f"{price:>12} {amount:>12} {total:>12}"
            return Strip([Segment(text, style)]).crop_extend(0, self.size.width, plain)

    class Baseline(App[None]):
        CSS = "LineLadder, DataTable { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield LineLadder() if kind == "lineapi" else DataTable()

        def on_mount(self) -> None:
            if kind == "datatable":
                self.query_one(DataTable).add_columns("Price", "Amount", "Total")
            self.run_worker(self._stream_worker())

        async def _stream_worker(self) -> None:
            stream = _stream(ws_url, self.show)
            await stream.run()  # type: ignore[attr-defined]

        def show(self, book: object) -> None:
            rows = _ladder_rows(book, self.size.height - 1)
            if kind == "lineapi":
                ladder = self.query_one(LineLadder)
                ladder.rows = tuple(rows)
                ladder.refresh()
            else:
                table = self.query_one(DataTable)
                table.clear()
                table.add_rows(row[1:] for row in rows)

    return Baseline()


async def _run_live(ws_url: str) -> None:
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table

    console = Console()
    height = console.size.height

    def table(book: object) -> Table:
        grid = Table(expand=True)
        for name in ("Price", "Amount", "Total"):
            grid.add_column(name, justify="right")
        for kind, price, amount, total in _ladder_rows(book, height - 4):
            colour = "red" if kind == "ask" else "green" if kind == "bid" else ""
            grid.add_row(price, amount, total, style=colour)
        return grid

    with Live(console=console, refresh_per_second=10, screen=True) as live:
        stream = _stream(ws_url, lambda book: live.update(table(book)))
        await stream.run()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------- the parent


def measure(seconds: float = 8.0, size: tuple[int, int] = (120, 40)) -> dict[str, float]:
    """Every app at a normal market, cdx at a frozen one; figures as ratios and raw values."""
    from cdx.server.runner import BackgroundExchange, SimConfig

    figures: dict[str, float] = {}
    with BackgroundExchange(SimConfig(seed=SEED, rate=NORMAL_RATE)) as live:
        runs = {kind: watch(kind, live.rest_url, live.ws_url, size, seconds) for kind in KINDS}
    with BackgroundExchange(SimConfig(seed=SEED, rate=0)) as frozen:
        idle = watch("cdx", frozen.rest_url, frozen.ws_url, size, seconds)
        polling = watch("cdx_keys", frozen.rest_url, frozen.ws_url, size, seconds)
    tag = f"{size[0]}x{size[1]}"
    print(f"   {'app':10} {'bytes/cell':>10} {'cpu %':>7} {'bytes/s':>9} {'cells/s':>9}  ({tag})")
    for run in runs.values():
        print(
            f"   {run.kind:10} {run.bytes_per_cell:10.1f} {run.cpu_pct:7.1f} "
            f"{run.bytes_per_s:9.0f} {run.changed / run.seconds:9.0f}"
        )
    print(f"   {'cdx idle':10} {'':10} {idle.cpu_pct:7.2f} {idle.bytes_per_s:9.1f}")
    print(f"   {'  polling':10} {'':10} {polling.cpu_pct:7.2f} {polling.bytes_per_s:9.1f}")
    cdx = runs["cdx"]
    figures[f"terminal_bytes_per_changed_cell_{tag}"] = cdx.bytes_per_cell
    for kind in KINDS[2:]:
        figures[f"terminal_bytes_per_cell_{kind}_{tag}"] = runs[kind].bytes_per_cell
    figures[f"terminal_bytes_per_cell_cdx_textual_driver_{tag}"] = runs[
        "cdx_textual_driver"
    ].bytes_per_cell
    figures[f"ui_cpu_pct_{tag}"] = cdx.cpu_pct
    figures[f"ui_cpu_pct_datatable_{tag}"] = runs["datatable"].cpu_pct
    figures[f"ui_cpu_pct_lineapi_{tag}"] = runs["lineapi"].cpu_pct
    figures[f"ui_cpu_over_datatable_{tag}"] = cdx.cpu_pct / max(runs["datatable"].cpu_pct, 1e-9)
    figures[f"idle_cpu_pct_{tag}"] = idle.cpu_pct
    figures[f"idle_bytes_per_s_{tag}"] = idle.bytes_per_s
    figures[f"idle_polling_cpu_pct_{tag}"] = polling.cpu_pct
    figures[f"idle_polling_bytes_per_s_{tag}"] = polling.bytes_per_s
    return figures


def measure_idle(seconds: float, size: tuple[int, int], rounds: int) -> dict[str, float]:
    """Idle alone, read-only and polling, `rounds` times in turn: the figures' medians."""
    import statistics

    from cdx.server.runner import BackgroundExchange, SimConfig

    runs: dict[str, list[Run]] = {"cdx": [], "cdx_keys": []}
    with BackgroundExchange(SimConfig(seed=SEED, rate=0)) as frozen:
        for _ in range(rounds):
            for kind, done in runs.items():
                done.append(watch(kind, frozen.rest_url, frozen.ws_url, size, seconds))
                print(f"   {kind:10} {done[-1].cpu_pct:7.3f} % {done[-1].bytes_per_s:9.1f} B/s")
    tag = f"{size[0]}x{size[1]}"
    figures: dict[str, float] = {}
    for kind, name in (("cdx", "idle"), ("cdx_keys", "idle_polling")):
        figures[f"{name}_cpu_pct_{tag}"] = statistics.median(r.cpu_pct for r in runs[kind])
        figures[f"{name}_bytes_per_s_{tag}"] = statistics.median(r.bytes_per_s for r in runs[kind])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.terminal_cost", description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "REST", "WS"), help=argparse.SUPPRESS)
    parser.add_argument("--profile", default="", help=argparse.SUPPRESS)
    parser.add_argument("--only", default="", help="profile one app: cdx at a normal market")
    parser.add_argument("--idle", action="store_true", help="with --only: a frozen market")
    parser.add_argument(
        "--idle-only", type=int, default=0, metavar="ROUNDS", help="idle alone, ROUNDS times"
    )
    parser.add_argument("--profile-to", default="/tmp/cdx.prof", help="with --only: the profile")
    args = parser.parse_args(argv)
    if args.child:
        if args.profile:
            import cProfile

            global PROFILE_FOR_S, PROFILER
            PROFILE_FOR_S = WARMUP_S + args.seconds

            PROFILER = profiler = cProfile.Profile()
            if not args.child[0].startswith("cdx"):
                profiler.enable()  # cdx's starts after the warm-up, as the window measured
            try:
                _child(*args.child)
            except KeyboardInterrupt:
                pass
            finally:
                profiler.disable()
                profiler.dump_stats(args.profile)
        else:
            _child(*args.child)
        return 0
    width, height = (int(n) for n in args.size.split("x"))
    if args.only:
        from cdx.server.runner import BackgroundExchange, SimConfig

        rate = 0 if args.idle else NORMAL_RATE
        with BackgroundExchange(SimConfig(seed=SEED, rate=rate)) as live:
            run = watch(
                args.only,
                live.rest_url,
                live.ws_url,
                (width, height),
                args.seconds,
                args.profile_to,
            )
        print(run, run.bytes_per_cell, run.cpu_pct)
        return 0
    if args.idle_only:
        figures = measure_idle(args.seconds, (width, height), args.idle_only)
        print(json.dumps(figures, sort_keys=True))
        return 0
    figures = measure(args.seconds, (width, height))
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
