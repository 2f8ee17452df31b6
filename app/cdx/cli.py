"""The `cdx` command line: parse arguments and hand off to the command that wires the layers.

`cdx` alone opens the dashboard (on the embedded exchange unless `--rest-url` is given); each
subcommand lives in its own module under `cdx.commands` and registers its own arguments.

A subcommand's module is imported only when that subcommand is chosen: they pull in the HTTP
client, the WebSocket library, the exchange server or Textual, which together take most of a
second to import, and `cdx --version`, `cdx --help` or a usage error need none of them. So the
command list here names each subcommand with its one-line help, and its parser is filled in by
its own module's `register` the moment argparse hands it the arguments.

Whatever happens, the user gets one readable line and an exit code, never a traceback: a
usage error exits 2 (argparse), an error a command expects exits as that command documents,
and anything unexpected (a body nested too deep to parse, a bug) is logged with its traceback
to the log file and reported as one line, exit 1. `cdx place` never gets that far with an
order in flight: it reports such an error as an unknown outcome itself (exit 3).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from cdx import __version__
from cdx.commands import dashboard
from cdx.commands.logfile import PrivateFileHandler, command_log, log_path
from cdx.commands.printable import printable

EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130
MAX_MESSAGE_CHARS = 300

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("sim", "cdx.commands.sim", "run the embedded exchange alone"),
    ("doctor", "cdx.commands.doctor", "check the connection, clock, keys and rate limits"),
    ("balances", "cdx.commands.account", "show available and locked balances"),
    ("orders", "cdx.commands.account", "list open orders of a symbol"),
    ("place", "cdx.commands.account", "place an order"),
    ("cancel", "cdx.commands.account", "cancel one order, or all open orders of a symbol"),
)
"""Each subcommand: its name, the module whose `register` builds its parser, and the help line
`cdx --help` lists (the module passes the same line; a test holds them equal)."""


class CdxArgumentParser(argparse.ArgumentParser):
    """argparse with its messages escaped: a usage error quotes what was typed, and what was
    typed (a pasted server string, say) may hold terminal controls."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(_cut(message))}\n")


class CommandParser(CdxArgumentParser):
    """A subcommand's parser that its module fills in on first use (see the module docstring).

    Until then it holds only `-h`; `parse_known_args`, which argparse calls once this
    subcommand is chosen, imports the module and lets its `register` add the arguments.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module: str | None = None
        self.siblings: dict[str, CommandParser] = {}

    def load(self) -> None:
        """Import this subcommand's module and let it fill in every parser it registers."""
        module, self.module = self.module, None
        if module is None:
            return
        for sibling in self.siblings.values():
            sibling.module = None
        importlib.import_module(module).register(_Registrar(self.siblings))

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self.load()
        return super().parse_known_args(args, namespace)


class _Registrar:
    """Stands in for argparse's subparsers object when a module registers its commands: it
    hands back the parsers already listed instead of adding new ones."""

    _SETTINGS = ("description", "epilog", "formatter_class", "usage")

    def __init__(self, parsers: dict[str, CommandParser]) -> None:
        self._parsers = parsers

    def add_parser(self, name: str, **kwargs: Any) -> CommandParser:
        parser = self._parsers.get(name)
        if parser is None:
            raise LookupError(f"cdx.cli.COMMANDS does not list the subcommand {name!r}")
        kwargs.pop("help", None)
        for setting in self._SETTINGS:
            if setting in kwargs:
                setattr(parser, setting, kwargs.pop(setting))
        if kwargs:
            raise TypeError(f"cdx.cli cannot defer {name!r} parser settings {sorted(kwargs)}")
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = CdxArgumentParser(
        prog="cdx",
        description="Keyboard-first terminal trading dashboard. Without a subcommand it opens "
        "the dashboard, on the embedded exchange unless --rest-url/--ws-url are given.",
    )
    parser.add_argument("--version", action="version", version=f"cdx {__version__}")
    dashboard.add_arguments(parser)
    parser.set_defaults(func=dashboard.run, command_log=False)
    subcommands = parser.add_subparsers(
        title="commands", metavar="COMMAND", parser_class=CommandParser
    )
    by_module: dict[str, dict[str, CommandParser]] = {}
    for name, module, help in COMMANDS:
        command: CommandParser = subcommands.add_parser(name, help=help)
        command.module = module
        command.siblings = by_module.setdefault(module, {})
        command.siblings[name] = command
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
