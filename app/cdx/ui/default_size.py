"""The default order size per symbol: what `b` / `s` on a ladder row trade without the form.

Set from the order form (its amount, one key) or from the command palette, it lives for the
session and, when the app is given a file, in the user's private state directory
(`$XDG_STATE_HOME/cdx/default-sizes.json`, 0600 in a 0700 directory, like the log), so a
trader's size is there the next morning. A file that cannot be read or written costs the
persistence, never the session: the reason is returned for the app to show.
"""

from __future__ import annotations

import json
import logging
import os
from decimal import Decimal
from pathlib import Path

from cdx.client import private_state
from cdx.model.symbol import Symbol
from cdx.protocol.decimals import places
from cdx.ui.format import fmt_amount, fmt_text
from cdx.ui.order_check import _PLAIN_NUMBER

log = logging.getLogger(__name__)

FILE_NAME = "default-sizes.json"
FILE_MODE = 0o600
MAX_SYMBOLS = 500
"""Entries read from the file at most (it is ours, but a bound costs nothing)."""


def default_sizes_path() -> Path:
    """Where the sizes are kept between sessions, beside the log."""
    return private_state.state_directory() / FILE_NAME


def parse_size(symbol: Symbol, text: str) -> tuple[Decimal | None, str]:
    """The amount typed for `symbol` as a default size, or why it cannot be one.

    The same rules as the form's amount (a plain positive number, the symbol's amount
    precision, at least its minimum amount); the value and the balance are checked per order.
    """
    text = text.strip().replace(",", "")
    base = fmt_text(symbol.base.upper(), 12)
    if not _PLAIN_NUMBER.fullmatch(text):
        return None, "Default size: type an amount (a plain number)"
    value = Decimal(text)
    if value <= 0:
        return None, "Default size must be a positive number"
    if places(value) > symbol.amount_precision:
        return None, f"Default size allows at most {symbol.amount_precision} decimals ({base})"
    if value < symbol.min_amount:
        return None, f"Default size below the minimum {fmt_amount(symbol.min_amount)} {base}"
    return value, ""


class DefaultSizes:
    """Default sizes by symbol name; `path` None keeps them in memory only (tests, demos)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._sizes: dict[str, Decimal] = {}
        self.problem = ""
        """Why the file could not be read, for the app to say once ("" if it could)."""
        if path is not None:
            self.problem = self._load(path)
            if self.problem:
                log.warning("default sizes not loaded: %s", self.problem)

    def get(self, symbol: str) -> Decimal | None:
        return self._sizes.get(symbol)

    def set(self, symbol: str, size: Decimal | None) -> str:
        """Keep `size` for `symbol` (None forgets it); returns why it was not saved, or ""."""
        if size is None:
            self._sizes.pop(symbol, None)
        else:
            self._sizes[symbol] = size
        return self._save() if self._path is not None else ""

    def _load(self, path: Path) -> str:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return ""
        except OSError as exc:
            return f"cannot read {path}: {exc.strerror}"
        try:
            with os.fdopen(fd, encoding="utf-8") as file:
                data = json.loads(file.read(1_000_000))
        except (OSError, ValueError) as exc:
            return f"cannot read {path}: {exc}"
        if not isinstance(data, dict):
            return f"{path} is not a table of sizes; ignored"
        for name, text in list(data.items())[:MAX_SYMBOLS]:
            if isinstance(name, str) and isinstance(text, str) and _PLAIN_NUMBER.fullmatch(text):
                value = Decimal(text)
                if value > 0:
                    self._sizes[name] = value
        return ""

    def _save(self) -> str:
        path = self._path
        assert path is not None
        data = json.dumps({name: str(size) for name, size in sorted(self._sizes.items())})
        try:
            private_state.private_directory(path.parent)
            temporary = path.with_name(path.name + ".tmp")
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(temporary, flags, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                os.fchmod(file.fileno(), FILE_MODE)
                file.write(data)
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("default sizes not saved: %s", exc)
            return f"not saved to {path}: {exc}"
        return ""
