"""Every benchmark in one command, each figure against a baseline measured in the same run.

`python -m bench` prints one block per benchmark, then a results line per figure, and ends
with one JSON line (`{"machine": ..., "figures": ...}`) for tools. The two older scripts
(`decode_cost.py`, `stream_throughput.py`) run as they do alone, and their ratio lines are
read back. A benchmark that fails is reported as failed, never replaced by a number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import first_frame, key_latency, limiter_rate, memory_growth, startup, terminal_cost

HERE = Path(__file__).resolve().parent

Figures = dict[str, float]


def script_ratio(script: str, args: list[str], pattern: str, name: str) -> Figures:
    """Run one of the standalone scripts and read its ratio line back."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    sys.stdout.write(done.stdout)
    match = re.search(pattern + r"\s*=\s*([0-9.]+)", done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"{script} failed: {done.stderr.strip()[-300:]}")
    return {name: float(match.group(1))}


def decode_figures() -> Figures:
    """The decode script's ratios from one run of it (its frames and baselines are shared)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "decode_cost.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    sys.stdout.write(done.stdout)
    names = {
        "floor/incremental": "decode_share_of_floor",
        "naive/incremental": "decode_speedup_over_naive",
        "full/incremental": "decode_speedup_over_full",
    }
    figures: Figures = {}
    for label, name in names.items():
        match = re.search(r"ratio " + re.escape(label) + r"\s*=\s*([0-9.]+)", done.stdout)
        if done.returncode != 0 or match is None:
            raise RuntimeError(f"decode_cost.py failed: {done.stderr.strip()[-300:]}")
        figures[name] = float(match.group(1))
    return figures


def machine() -> dict[str, str | int]:
    return {
        "nproc": os.cpu_count() or 0,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (noisier): about 90 s instead of 3 min"
    )
    args = parser.parse_args(argv)
    seconds = 5.0 if args.quick else 10.0
    runs = 7 if args.quick else 15
    benches: list[tuple[str, Callable[[], Figures]]] = [
        ("start-up: cdx --version vs python -c pass", lambda: startup.measure(runs)),
        (
            "start-up on a 120x40 pty: first paint and full screen vs a minimal Textual app",
            lambda: first_frame.measure(3 if args.quick else 5),
        ),
        (
            "keys: Enter -> dialog vs a minimal app pushing a modal; confirm -> order row",
            lambda: key_latency.measure(20 if args.quick else 40),
        ),
        (
            "rate limiter: account group, vs fixed margin / per-process",
            lambda: limiter_rate.measure(seconds),
        ),
        (
            "depth decode vs the zlib+json floor and a naive pipeline (bench/decode_cost.py)",
            decode_figures,
        ),
        (
            "terminal 120x40: bytes per changed cell, UI CPU, idle (vs Line-API, DataTable, Live)",
            lambda: terminal_cost.measure(seconds * 0.6, (120, 40)),
        ),
        (
            "terminal 80x24: bytes per changed cell, UI CPU, idle (vs Line-API, DataTable, Live)",
            lambda: terminal_cost.measure(seconds * 0.6, (80, 24)),
        ),
        (
            "memory and collections: cdx vs a Line-API ladder at 10x a normal market",
            lambda: memory_growth.measure(seconds * 6),
        ),
        (
            "stream vs bare WebSocket reader (bench/stream_throughput.py)",
            lambda: script_ratio(
                "stream_throughput.py",
                ["--seconds", str(seconds / 2)],
                r"ratio stream/baseline",
                "stream_over_bare_reader",
            ),
        ),
    ]
    figures: Figures = {}
    failed: list[str] = []
    for title, bench in benches:
        print(f"== {title}", flush=True)
        started = time.perf_counter()
        try:
            got = bench()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            print(f"   FAILED: {exc}", flush=True)
            failed.append(title)
            continue
        for name, value in got.items():
            print(f"   {name:45} {value:10.3f}", flush=True)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        figures.update(got)
    print(json.dumps({"machine": machine(), "figures": figures, "failed": failed}, sort_keys=True))
    return 1 if failed else 0
