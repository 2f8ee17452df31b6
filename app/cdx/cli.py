"""The `cdx` command line: parse arguments and hand off to the command that wires the layers.

`cdx` alone opens the dashboard (on the embedded exchange unless `--rest-url` is given); each
subcommand lives in its own module under `cdx.commands` and registers its own arguments.

Whatever happens, the user gets one readable line and an exit code, never a traceback: a
usage error exits 2 (argparse), an error a command expects exits as that command documents,
and anything unexpected (a body nested too deep to parse, a bug) is logged with its traceback
to the log file and reported as one line, exit 1. `cdx place` never gets that far with an
order in flight: it reports such an error as an unknown outcome itself (exit 3).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from cdx import __version__
from cdx.commands import account, dashboard, doctor, sim
from cdx.commands.logfile import PrivateFileHandler, command_log, log_path
from cdx.commands.printable import printable

EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130
MAX_MESSAGE_CHARS = 300


class CdxArgumentParser(argparse.ArgumentParser):
    """argparse with its messages escaped: a usage error quotes what was typed, and what was
    typed (a pasted server string, say) may hold terminal controls."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(_cut(message))}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = CdxArgumentParser(
        prog="cdx",
        description="Keyboard-first terminal trading dashboard. Without a subcommand it opens "
        "the dashboard, on the embedded exchange unless --rest-url/--ws-url are given.",
    )
    parser.add_argument("--version", action="version", version=f"cdx {__version__}")
    dashboard.add_arguments(parser)
    parser.set_defaults(func=dashboard.run, command_log=False)
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND")
    sim.register(subcommands)
    doctor.register(subcommands)
    account.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    _tolerate_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        if getattr(args, "command_log", False):
            # The account commands and `doctor` log to the file while they run; the
            # dashboard sets up its own log and `cdx sim` logs to stderr.
            stack.enter_context(command_log(log_path()))
        code = _run(args)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("cdx: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        where = _log_unexpected(exc)
        text = printable(_cut(str(exc))) or "no message"
        kind = printable(type(exc).__name__)
        print(f"cdx: unexpected error: {kind}: {text} ({where})", file=sys.stderr)
        return EXIT_UNEXPECTED


def _log_unexpected(exc: Exception) -> str:
    """Write `exc` with its traceback to the log file only (never to a terminal, whatever
    handlers the command set up); returns where the user finds it."""
    path = log_path()
    crash = logging.getLogger("cdx.crash")
    crash.propagate = False
    try:
        handler = PrivateFileHandler(path)
    except OSError as reason:
        return f"no log file: {reason}"
    crash.addHandler(handler)
    try:
        crash.error("cdx stopped on an unexpected error", exc_info=exc)
    finally:
        crash.removeHandler(handler)
        handler.close()
    return f"details in {path}"


def _tolerate_unencodable_output() -> None:
    """A coin name the terminal's encoding cannot show is written as an escape, not raised as
    `UnicodeEncodeError` halfway through a table."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError, TypeError):
                reconfigure(errors="backslashreplace")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


if __name__ == "__main__":
    sys.exit(main())
