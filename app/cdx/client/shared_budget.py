"""The rate budget of one account on one server, shared by every cdx process of this user.

A dashboard and a `cdx place` script on the same API key count against one server window
(PROTOCOL.md section 4); each process limiting itself alone lets their sum exceed it, and the
server refuses the excess with `429`. So each (server, group, key) window is a small file in
the user's state directory (`$XDG_STATE_HOME/cdx/`, default `~/.local/state/cdx/`), listing the
requests every process has recently sent, and a process decides and records a grant under an
exclusive `fcntl.flock` on that file (Linux and the BSDs have it; cdx runs there).

What the file holds, and what it never holds:
- Its name is a SHA-256 of server, group and key: the API key never appears in a file name or
  its content, and the secret never reaches this module at all.
- One record per request a process still counts: when the server may have received it (on the
  limiter's clock, `time.monotonic`, which all processes of one boot read alike), whether it is
  still in flight, the writer's pid and a random token naming the limiter that wrote it.

Degrading safely:
- A directory that cannot be made private (0700, ours) or written, or a file that cannot be
  opened, turns sharing off with one log line: the process keeps its own limiter.
- A lock another process holds for longer than `LOCK_PATIENCE_S` (it was stopped with Ctrl+Z
  inside its few microseconds of holding it) is given up on for that decision, never waited on.
- Records of a process that died are dropped (its in-flight ones at once, the others when
  their window passes); a record in flight for longer than `MAX_IN_FLIGHT_S`, or dated in the
  future (a clock from before a reboot), is dropped: stale state never blocks for long.
- A file that does not parse is treated as empty and rewritten.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cdx.client.private_state import NotPrivate, private_directory, state_directory

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FILE_PREFIX = "budget-"

MAX_FILE_BYTES = 256 * 1024
"""Largest budget file read; a market window of 100 requests is about 8 KiB."""

MAX_RECORDS = 1000
"""Most records kept from one file (more than any group's limit)."""

MAX_IN_FLIGHT_S = 60.0
"""A request still in flight after this long is not waited on (a request's own deadline is
10 s): its process hung or lost track of it."""

MAX_SPAN_S = 11.0
"""Longest a closed record is kept: the longest window believed (10 s) plus margin."""

FORGET_AFTER_S = 24 * 3600.0
"""A budget file untouched this long is removed when a limiter opens the directory: its
records expired long ago (an embedded exchange's port, say, is never used again)."""

LOCK_PATIENCE_S = 0.02
"""How long a process tries for the lock before deciding on its own view this once."""


@dataclass(frozen=True, slots=True)
class Record:
    """A request some process counts: `at` is when the server may have received it."""

    at: float
    open: bool


class SharingUnavailable(OSError):
    """The budget file cannot be used safely; the message says where and why."""


class LockBusy(Exception):
    """Another process held the budget file's lock past `LOCK_PATIENCE_S`: decide on what was
    last read this once, rather than wait on a process that may be stopped."""


class SharedBudget:
    """The budget files of one server, for one process's limiter.

    `open` returns None (and logs why) when the state directory is unusable, so the caller
    simply keeps a per-process limiter.
    """

    def __init__(self, directory: Path, server: str) -> None:
        self.directory = directory
        self.server = server.lower().rstrip("/")
        self.token = secrets.token_hex(8)
        self.pid = os.getpid()
        self._windows: dict[tuple[str, str], SharedWindow] = {}

    @classmethod
    def open(cls, server: str, directory: Path | None = None) -> SharedBudget | None:
        """Budget files for `server` in `directory` (default: the state directory)."""
        where = directory if directory is not None else state_directory()
        try:
            _private_directory(where)
        except SharingUnavailable as exc:
            log.warning("%s; rate limits are kept per process", exc)
            return None
        _forget_old_files(where)
        return cls(where, server)

    def window(self, group: str, key: str) -> SharedWindow:
        """The shared window of `group` for `key` (an API key or a host) on this server."""
        window = self._windows.get((group, key))
        if window is None:
            digest = hashlib.sha256(f"{self.server}\0{group}\0{key}".encode()).hexdigest()
            path = self.directory / f"{FILE_PREFIX}{digest[:32]}.json"
            window = SharedWindow(path, self.token, self.pid)
            self._windows[(group, key)] = window
        return window


class SharedWindow:
    """One (server, group, key) window's file: read the others' records and write ours, under
    one lock, so two processes never both take the last slot."""

    def __init__(self, path: Path, token: str, pid: int) -> None:
        self.path = path
        self._token = token
        self._pid = pid

    def transact(
        self,
        now: float,
        decide: Callable[[list[Record]], Sequence[Record]],
        keep_s: float = MAX_SPAN_S,
    ) -> None:
        """Call `decide` with the other limiters' live records, then store what it returns as
        this limiter's records; answered records older than `keep_s` (the longest window any
        of them keeps) are dropped. Raises `SharingUnavailable` when the file cannot be used, and
        `LockBusy` (without calling `decide`) when another process holds the lock too long."""
        try:
            fd = os.open(
                self.path,
                os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                FILE_MODE,
            )
        except OSError as exc:
            raise SharingUnavailable(f"cannot open {self.path}: {exc.strerror}") from None
        try:
            if not _lock(fd):
                log.debug("budget file %s stayed locked; deciding without it once", self.path)
                raise LockBusy(self.path)
            others = self._read_others(fd, now, min(keep_s, MAX_SPAN_S))
            mine = decide([Record(entry["at"], entry["open"]) for entry in others])
            records = others + [
                {"at": r.at, "open": r.open, "pid": self._pid, "by": self._token} for r in mine
            ]
            data = json.dumps({"v": 1, "records": records[-MAX_RECORDS:]}).encode()
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
        except OSError as exc:
            raise SharingUnavailable(f"cannot use {self.path}: {exc.strerror}") from None
        finally:
            os.close(fd)  # also releases the lock

    def _read_others(self, fd: int, now: float, keep_s: float) -> list[dict[str, object]]:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid():
            raise SharingUnavailable(f"{self.path} belongs to another user")
        if info.st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)
        raw = os.read(fd, MAX_FILE_BYTES + 1)
        if not raw:
            return []
        try:
            if len(raw) > MAX_FILE_BYTES:
                raise ValueError("too large")
            loaded = json.loads(raw)
            records = loaded["records"]
            if not isinstance(records, list):
                raise ValueError("no record list")
        except (ValueError, KeyError, TypeError):
            log.info("budget file %s is unreadable; starting it afresh", self.path)
            return []
        alive: dict[int, bool] = {}
        out: list[dict[str, object]] = []
        for record in records[-MAX_RECORDS:]:
            kept = self._kept(record, now, keep_s, alive)
            if kept is not None:
                out.append(kept)
        return out

    def _kept(
        self, record: object, now: float, keep_s: float, alive: dict[int, bool]
    ) -> dict[str, object] | None:
        """The record as stored again, or None if it is ours, malformed or stale."""
        if not isinstance(record, dict):
            return None
        at, is_open, pid, by = (record.get(k) for k in ("at", "open", "pid", "by"))
        if (
            not isinstance(at, (int, float))
            or isinstance(at, bool)
            or not isinstance(is_open, bool)
            or not isinstance(pid, int)
            or not isinstance(by, str)
            or by == self._token
        ):
            return None
        if not (now - keep_s < at <= now + MAX_SPAN_S) and not is_open:
            return None
        if is_open and not (now - MAX_IN_FLIGHT_S < at <= now + MAX_SPAN_S):
            return None
        if is_open:
            if pid not in alive:
                alive[pid] = _process_alive(pid)
            if not alive[pid]:
                return None
        return {"at": float(at), "open": is_open, "pid": pid, "by": by[:32]}


def _forget_old_files(directory: Path) -> None:
    cutoff = time.time() - FORGET_AFTER_S
    try:
        for path in directory.glob(f"{FILE_PREFIX}*.json"):
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue
    except OSError as exc:
        log.debug("cannot tidy %s: %s", directory, exc.strerror)


def _lock(fd: int) -> bool:
    """Take the exclusive lock, trying for at most `LOCK_PATIENCE_S`."""
    deadline = time.monotonic() + LOCK_PATIENCE_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.0002)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _private_directory(directory: Path) -> None:
    """The state directory made private (`private_directory`) and writable, or
    `SharingUnavailable` saying why not."""
    try:
        private_directory(directory)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise SharingUnavailable(f"cannot write to {directory}")
    except SharingUnavailable:
        raise
    except NotPrivate as exc:
        raise SharingUnavailable(str(exc)) from None
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "error")
        raise SharingUnavailable(f"cannot use {directory}: {reason}") from None
