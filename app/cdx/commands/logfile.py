"""The log file every command but `cdx sim` writes: private to the user, never the terminal.

The log holds order ids, balances' coins, server messages and tracebacks: nothing another user
of the machine should read. So the file is 0600 in a 0700 directory. A directory or file that
already exists with looser modes is tightened (it is ours: we created it, or an older cdx did);
one that belongs to another user, or a log path that is a symlink, is refused with a message,
since writing there would hand our log to its owner.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cdx.client import private_state as state
from cdx.commands.printable import PrintableFormatter

log = logging.getLogger(__name__)

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FILE_MODE = 0o600


class LogFileError(OSError):
    """The log file cannot be written safely; the message says where and why."""


def log_path() -> Path:
    """Where cdx logs: `$XDG_STATE_HOME/cdx/cdx.log` (default `~/.local/state/cdx/cdx.log`)."""
    return state.state_directory() / "cdx.log"


class PrivateFileHandler(logging.FileHandler):
    """A `FileHandler` whose file is created 0600 (and tightened to 0600 if it exists looser),
    in a directory made 0700, with every record escaped by `PrintableFormatter`."""

    def __init__(self, path: Path) -> None:
        private_directory(path.parent)
        super().__init__(path, mode="a", encoding="utf-8")
        self.setFormatter(PrintableFormatter(FORMAT))

    def _open(self) -> IO[Any]:
        return open(self.baseFilename, self.mode, encoding=self.encoding, opener=_private_opener)


def private_directory(directory: Path) -> None:
    """Create `directory` 0700, or tighten it to 0700; refuse one that is not ours
    (`cdx.client.private_state`), with a `LogFileError` that says how to log elsewhere."""
    try:
        state.private_directory(directory)
    except state.NotPrivate as exc:
        if exc.foreign:
            raise LogFileError(
                f"{exc}; refusing to log there (set XDG_STATE_HOME to a directory of your own)"
            ) from None
        raise LogFileError(str(exc)) from None
    except OSError as exc:
        raise LogFileError(f"cannot create {directory}: {exc.strerror}") from None


def _private_opener(path: str, flags: int) -> int:
    """Open the log without following a symlink, create it 0600, tighten an existing one."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LogFileError(f"{path} is not a regular file")
        if info.st_uid != os.geteuid():
            raise LogFileError(f"{path} belongs to another user; refusing to log there")
        if stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def configure_logging(path: Path) -> None:
    """Send every log record to `path` and nowhere else (the dashboard: nothing may print into
    the TUI). Raises `OSError` (a `LogFileError` with a message) if it cannot be done safely."""
    handler = _handler(path)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise


@contextlib.contextmanager
def command_log(path: Path) -> Iterator[str]:
    """Log to `path` for the length of one command; yields where a user finds the details.

    Unlike `configure_logging` it adds to the root logger and restores it afterwards, so a
    command run in-process (tests, scripts importing `cdx.cli`) leaves logging as it found it.
    If the file cannot be written safely the command still runs: records go nowhere (never to
    the terminal, where a server string could act on it) and the reason is yielded instead.
    """
    root = logging.getLogger()
    level = root.level
    handler: logging.Handler
    try:
        handler = _handler(path)
        where = f"details in {path}"
    except OSError as exc:
        handler = logging.NullHandler()
        where = f"no log file: {exc}"
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    httpx_logger = logging.getLogger("httpx")
    httpx_level = httpx_logger.level
    httpx_logger.setLevel(logging.WARNING)
    try:
        yield where
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        httpx_logger.setLevel(httpx_level)
        handler.close()


def _handler(path: Path) -> logging.Handler:
    try:
        return PrivateFileHandler(path)
    except LogFileError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LogFileError(f"{path} is a symlink; refusing to log there") from None
        raise LogFileError(f"cannot open {path}: {exc.strerror}") from None
