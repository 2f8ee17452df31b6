"""The `cdx` command line: parse arguments and hand off to the command that wires the layers.

`cdx` alone opens the dashboard (on the embedded exchange unless `--rest-url` is given); each
subcommand lives in its own module under `cdx.commands` and registers its own arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cdx import __version__
from cdx.commands import account, dashboard, doctor, sim


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdx",
        description="Keyboard-first terminal trading dashboard. Without a subcommand it opens "
        "the dashboard, on the embedded exchange unless --rest-url/--ws-url are given.",
    )
    parser.add_argument("--version", action="version", version=f"cdx {__version__}")
    dashboard.add_arguments(parser)
    parser.set_defaults(func=dashboard.run)
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    sim.register(subcommands)
    doctor.register(subcommands)
    account.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
