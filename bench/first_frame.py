"""Start-up as the user sees it: `cdx` in a terminal until its first frame, and until the full
screen (a ladder of prices, the balances, the trades), against a minimal Textual app's first
frame in the same run.

Method: each command runs as a whole process on a pseudo-terminal of 120x40 (a real terminal
driver, as over SSH), with its own empty state directory; the bytes it writes are read as they
come into a model of the terminal's cells (`bench.terminal_cost.Screen`: cursor moves, styles,
text; the app's driver writes only changed cells, so the byte stream alone is not the screen),
and the screen's text is searched for what the user waits for after each read. Time
zero is just before the process is spawned. The commands run in turn, A B A B ..., and the
figures are medians; the ratio is the median of the pairwise ratios.

- first paint: the first frame with the panels (the ladder's `Depth` title);
- full screen: ladder prices, the demo balance (`100,000`) and a trade time all written;
- baseline: `python -c` running an `App` whose only widget is one line of text;
- CPU to first paint: the measured process's time on a CPU (all its threads, from Linux's
  `/proc/PID/task/*/schedstat`) when the read that brought the first frame returned, and the
  time its main thread waited for a CPU: on a loaded machine the wall time is mostly these
  two and the wait is noise, so the CPU figure and its ratio compare runs better. It may
  count a few ms of what the process did after writing the frame.

Both run with their bytecode cached, as after `pip install` (which compiles it) or a first
run: the children may write `__pycache__` even where the environment sets
`PYTHONDONTWRITEBYTECODE` (this project's agents' shells do; there every start compiled cdx's
~75 modules from source first), and a warm-up run fills it.

Run alone: python -m bench.first_frame [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import math
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from bench.terminal_cost import Screen

SIZE = (120, 40)
TIMEOUT_S = 15.0

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield Static("minimal textual app ready")
Minimal().run()
"""

FIRST = re.compile(rb"Depth")
FULL = (
    re.compile(rb"\d{1,3},\d{3}\.\d{2}"),  # a ladder price
    re.compile(rb"100,000"),  # the demo account's USDT
    re.compile(rb"\d\d:\d\d:\d\d \d"),  # a trade on the tape
)


def shown(screen: Screen) -> bytes:
    """The screen's text, row by row, as the user reads it."""
    width, height = SIZE
    cells = screen.cells
    return b"\n".join(
        "".join(cells.get((x, y), (" ", ""))[0] for x in range(width)).encode()
        for y in range(height)
    )


def cdx_command() -> list[str]:
    script = Path(sys.executable).parent / "cdx"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cdx.cli"]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured child: this one's, with bytecode written and read as an
    installed cdx's would be."""
    env = {**os.environ, **extra}
    env.pop("TEXTUAL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def on_cpu(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, all threads; seconds its main thread waited for one) of process
    `pid` so far; NaN where Linux's schedstat is not there. The other threads (the terminal's
    reader and writer) mostly sleep, and their short waits when woken are not the start-up's."""
    on = waiting = 0
    try:
        for thread in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                with open(f"/proc/{pid}/task/{thread}/schedstat") as stat:
                    ran, waited, _ = stat.read().split()
                on += int(ran)
                waiting += int(waited) if thread == str(pid) else 0
    except OSError:
        return math.nan, math.nan
    return on / 1e9, waiting / 1e9


def run_on_pty(command: list[str], first: re.Pattern[bytes], full: tuple[re.Pattern[bytes], ...]):
    """(seconds to `first`, seconds to every `full` pattern, (CPU seconds, seconds waiting for a
    CPU) at `first`) of one run of `command`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    with tempfile.TemporaryDirectory() as state:
        env = child_env(TERM="xterm-256color", XDG_STATE_HOME=state)
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        screen = Screen(*SIZE)
        first_at: float | None = None
        full_at: float | None = None
        cpu_at_first = (math.nan, math.nan)
        seen = [False] * len(full)
        try:
            while time.perf_counter() - started < TIMEOUT_S:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                # Read all that is there first (its time is the last read's), then model it:
                # modelling as it comes would fall behind and count its own cost.
                chunks = []
                while ready:
                    try:
                        chunks.append(os.read(master, 1 << 16))
                    except OSError:
                        break
                    now = time.perf_counter() - started
                    ready, _, _ = select.select([master], [], [], 0)
                if not chunks:
                    break
                cpu = on_cpu(process.pid)  # before modelling, which the process runs on through
                screen.feed(b"".join(chunks))
                text = shown(screen)
                if first_at is None and first.search(text):
                    first_at, cpu_at_first = now, cpu
                for index, pattern in enumerate(full):
                    seen[index] = seen[index] or bool(pattern.search(text))
                if first_at is not None and all(seen):
                    full_at = now
                    break
        finally:
            os.write(master, b"q")
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(master)
    if first_at is None or full_at is None:
        raise RuntimeError(f"{command[-1]!r}: no full screen within {TIMEOUT_S} s")
    return first_at, full_at, cpu_at_first


def measure(runs: int = 5) -> dict[str, float]:
    """`cdx` (embedded exchange) against a minimal Textual app, run alternately."""
    baseline = [sys.executable, "-c", MINIMAL_APP]
    minimal = re.compile(rb"minimal textual app ready")
    base, first, full = [], [], []
    base_cpu, cpu, wait = [], [], []
    run_on_pty(baseline, minimal, (minimal,))  # warm the file and bytecode caches
    with contextlib.suppress(RuntimeError):  # compiling into the cache may take longer
        run_on_pty(cdx_command(), FIRST, FULL)
    for _ in range(runs):
        at_base, _, (base_on_cpu, _) = run_on_pty(baseline, minimal, (minimal,))
        base.append(at_base)
        base_cpu.append(base_on_cpu)
        at_first, at_full, (on, waiting) = run_on_pty(cdx_command(), FIRST, FULL)
        first.append(at_first)
        full.append(at_full)
        cpu.append(on)
        wait.append(waiting)
    return {
        "baseline_minimal_app_first_paint_s": statistics.median(base),
        "cdx_first_paint_s": statistics.median(first),
        "cdx_full_screen_s": statistics.median(full),
        "cdx_first_paint_over_baseline": statistics.median(
            f / b for f, b in zip(first, base, strict=True)
        ),
        "cdx_full_screen_over_baseline": statistics.median(
            f / b for f, b in zip(full, base, strict=True)
        ),
        "baseline_minimal_app_cpu_to_first_paint_s": statistics.median(base_cpu),
        "cdx_cpu_to_first_paint_s": statistics.median(cpu),
        "cdx_cpu_to_first_paint_over_baseline": statistics.median(
            c / b for c, b in zip(cpu, base_cpu, strict=True)
        ),
        "cdx_waiting_for_a_cpu_to_first_paint_s": statistics.median(wait),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, value in measure(args.runs).items():
        print(f"{name} = {value:.3f}")


if __name__ == "__main__":
    main()
