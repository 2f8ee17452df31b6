"""`cdx --version` and `cdx --help` answer without importing the heavy libraries.

Each case runs in a fresh interpreter (a test process has long imported everything) and reads
`sys.modules` after the command line has answered.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from cdx import cli

HEAVY = ("aiohttp", "httpx", "textual", "websockets")

_PROBE = """
import json, sys
from cdx.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)), file=sys.stderr)
"""


def _heavy_modules_loaded(*argv: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_import_no_heavy_library(argv: list[str]) -> None:
    assert _heavy_modules_loaded(*argv) == []


def test_a_usage_error_imports_no_heavy_library() -> None:
    assert _heavy_modules_loaded("--symbol", "BAD SYMBOL!") == []


def test_choosing_a_subcommand_loads_its_module() -> None:
    assert "httpx" in _heavy_modules_loaded("balances", "--help")


class _Recorder:
    """Collects the help line each module passes for the subcommands it registers."""

    def __init__(self) -> None:
        self.helps: dict[str, str] = {}
        self._parent = argparse.ArgumentParser()
        self._sub = self._parent.add_subparsers()

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser:
        self.helps[name] = str(kwargs.get("help"))
        return self._sub.add_parser(name, **kwargs)  # type: ignore[arg-type]


def test_the_command_list_says_what_each_module_registers() -> None:
    recorder = _Recorder()
    for module in dict.fromkeys(module for _, module, _ in cli.COMMANDS):
        __import__(module, fromlist=["register"]).register(recorder)
    assert recorder.helps == {name: help for name, _, help in cli.COMMANDS}
