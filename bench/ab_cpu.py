"""UI CPU of two cdx checkouts side by side: is a change cheaper to watch than what it replaces?

A single `bench.terminal_cost` run measures cdx once for a few seconds; on a shared machine the
noise of that one figure (±15 %) hides a change worth a few percent. Here one exchange feeds
every app the same normal market, and each round measures the DataTable and Line-API ladders
once, then cdx from checkout A, B, B, A (ABBA, so a drift in the machine's load cancels); each
round's B/A ratio is of the same minutes. A checkout is a directory holding `app/cdx` (a git
worktree, or `git archive` of a commit unpacked in /tmp); the bench code is this one.

    .venv/bin/python -m bench.ab_cpu /tmp/before /work/wt/mine [--rounds 4] [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from bench import terminal_cost
from cdx.server.runner import BackgroundExchange, SimConfig

SIZE = (120, 40)


def _cpu(kind: str, urls: tuple[str, str], seconds: float, checkout: Path) -> float:
    """`kind`'s UI CPU %, its cdx imported from `checkout` (the child inherits PYTHONPATH)."""
    os.environ["PYTHONPATH"] = str(checkout / "app")
    return terminal_cost.watch(kind, *urls, SIZE, seconds).cpu_pct


def measure(a: Path, b: Path, rounds: int, seconds: float) -> dict[str, float]:
    """Per-round figures printed as they come; medians over the rounds returned."""
    ratios: list[float] = []
    over_datatable: dict[str, list[float]] = {"a": [], "b": []}
    config = SimConfig(seed=terminal_cost.SEED, rate=terminal_cost.NORMAL_RATE)
    with BackgroundExchange(config) as exchange:
        urls = (exchange.rest_url, exchange.ws_url)
        for round_ in range(rounds):
            datatable = _cpu("datatable", urls, seconds, b)
            lineapi = _cpu("lineapi", urls, seconds, b)
            a1, b1, b2, a2 = (_cpu("cdx", urls, seconds, c) for c in (a, b, b, a))
            cpu_a, cpu_b = (a1 + a2) / 2, (b1 + b2) / 2
            ratios.append(cpu_b / cpu_a)
            over_datatable["a"].append(cpu_a / datatable)
            over_datatable["b"].append(cpu_b / datatable)
            print(
                f"   round {round_}: cdx A {cpu_a:5.2f} %  B {cpu_b:5.2f} %  B/A {ratios[-1]:.3f}"
                f"   datatable {datatable:5.2f} %  lineapi {lineapi:5.2f} %",
                flush=True,
            )
    return {
        "ab_ui_cpu_b_over_a": statistics.median(ratios),
        "ab_ui_cpu_a_over_datatable": statistics.median(over_datatable["a"]),
        "ab_ui_cpu_b_over_datatable": statistics.median(over_datatable["b"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab_cpu", description=__doc__)
    parser.add_argument("a", type=Path, help="checkout A (before)")
    parser.add_argument("b", type=Path, help="checkout B (after)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    for checkout in (args.a, args.b):
        if not (checkout / "app" / "cdx").is_dir():
            parser.error(f"{checkout} holds no app/cdx")
    figures = measure(args.a.resolve(), args.b.resolve(), args.rounds, args.seconds)
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
