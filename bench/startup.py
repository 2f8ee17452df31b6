"""How long `cdx --version` takes, and what importing the command line costs, against the
interpreter starting and doing nothing (`python -c pass`) in the same run.

A second baseline is what the command line imported before its subcommands were loaded
lazily (every subcommand module). The commands run in turn, A B A B ..., as whole processes;
the figure is the median wall time of each and the median of their pairwise ratios. Import
time is `python -X importtime`'s cumulative figure for `cdx.cli`.

Run alone: python -m bench.startup [--runs 15]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import first_frame

EAGER_MODULES = ("cdx.cli", "cdx.commands.sim", "cdx.commands.doctor", "cdx.commands.account")
"""What `cdx --version` imported before subcommands were loaded lazily: every subcommand."""


def cdx_command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m cdx.cli`."""
    script = Path(sys.executable).parent / "cdx"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cdx.cli"]


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=first_frame.child_env(),
    )
    return time.perf_counter() - started


def import_ms(module: str) -> float:
    """`-X importtime`'s cumulative figure (ms) for `module`, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=first_frame.child_env(),
    )
    pattern = re.compile(rf"^import time:\s+\d+ \|\s+(\d+) \|\s*{re.escape(module)}$")
    for line in done.stderr.splitlines():
        match = pattern.match(line)
        if match:
            return int(match.group(1)) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def measure(runs: int) -> dict[str, float]:
    """`cdx --version` and `cdx --help` against `python -c pass`, paired run by run, with
    bytecode cached as an installed cdx has it (`bench.first_frame.child_env`)."""
    baseline = [sys.executable, "-c", "pass"]
    version = [*cdx_command(), "--version"]
    help_ = [*cdx_command(), "--help"]
    eager = [sys.executable, "-c", "import " + ", ".join(EAGER_MODULES)]
    wall(baseline), wall(version), wall(eager)  # warm the file cache
    base_s, version_s, help_s, eager_s = [], [], [], []
    for _ in range(runs):
        base_s.append(wall(baseline))
        version_s.append(wall(version))
        help_s.append(wall(help_))
        eager_s.append(wall(eager))
    imports = [import_ms("cdx.cli") for _ in range(5)]
    return {
        "baseline_python_pass_s": statistics.median(base_s),
        "cdx_version_s": statistics.median(version_s),
        "cdx_version_over_pass": statistics.median(
            v / b for v, b in zip(version_s, base_s, strict=True)
        ),
        "cdx_help_s": statistics.median(help_s),
        "baseline_eager_imports_s": statistics.median(eager_s),
        "import_cdx_cli_ms": statistics.median(imports),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for name, value in measure(args.runs).items():
        print(f"{name} = {value:.3f}")


if __name__ == "__main__":
    main()
