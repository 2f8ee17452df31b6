"""The user's private state directory, where the log file and the shared budget files live.

What is kept there (order ids, server messages, request times per API key) is nobody else's
business, so the directory is 0700: one that exists looser is tightened (it is ours: we
created it, or an older cdx did), and one that belongs to another user is refused, since
writing there would hand our files to its owner.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700


class NotPrivate(OSError):
    """A directory cannot be made private; the message says where and why. `foreign` when it
    belongs to another user (the caller may say how to choose a directory of one's own)."""

    def __init__(self, message: str, *, foreign: bool = False) -> None:
        super().__init__(message)
        self.foreign = foreign


def state_directory() -> Path:
    """`$XDG_STATE_HOME/cdx` (default `~/.local/state/cdx`)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "cdx"


def private_directory(directory: Path) -> None:
    """Create `directory` 0700, or tighten it to 0700; refuse one that is not ours.

    Raises `NotPrivate` for a path that is not a directory, belongs to another user or cannot
    be tightened, and the `OSError` of creating or inspecting it otherwise.
    """
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    info = os.stat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise NotPrivate(f"{directory} is not a directory")
    if info.st_uid != os.geteuid():
        raise NotPrivate(f"{directory} belongs to another user", foreign=True)
    if stat.S_IMODE(info.st_mode) != DIR_MODE:
        try:
            os.chmod(directory, DIR_MODE)
        except OSError as exc:
            raise NotPrivate(
                f"cannot make {directory} private (mode 0700): {exc.strerror}"
            ) from None
