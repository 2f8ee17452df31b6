"""The wire is spelled in one place: no module outside `cdx.protocol` writes a key of the
WebSocket messages or of the paged answers (issue 11).

Read from the syntax tree, so prose in comments and docstrings may still name a key; only a
string a module could put on or read off the wire counts. Generic words (`status`, `data`,
`event`) are left out: a widget or a command's own output may use them for itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cdx

WIRE_KEYS = frozenset(
    {"event_rep", "cb_id", "err_msg", "params", "tick", "buys", "ping", "pong"}
    | {"count", "resultList", "orderList"}
)
PACKAGE = Path(cdx.__file__).parent


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (of a module, class or function) or
    the bare strings that document a constant."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                found.add(id(statement.value))
    return found


def wire_keys_outside_protocol() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "protocol":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in WIRE_KEYS
                and id(node) not in skip
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    return found


def test_no_wire_key_is_spelled_outside_the_protocol() -> None:
    assert wire_keys_outside_protocol() == []
