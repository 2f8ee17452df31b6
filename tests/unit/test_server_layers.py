"""The front knows its backend only through `Backend`: `cdx.sim` is imported where the
exchange is assembled (the runner) and nowhere else in `cdx.server`."""

from __future__ import annotations

import ast
from pathlib import Path

import cdx.server

SERVER = Path(cdx.server.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_only_the_runner_imports_the_embedded_exchange() -> None:
    importers = {
        path.name
        for path in SERVER.glob("*.py")
        if any(name == "cdx.sim" or name.startswith("cdx.sim.") for name in _imports(path))
    }
    assert importers == {"runner.py"}


def test_fault_switches_belong_to_the_front() -> None:
    from cdx.server.faults import Faults

    assert not (Path(cdx.server.__file__).parent.parent / "sim" / "faults.py").exists()
    assert Faults().take_rest_failure() is False
