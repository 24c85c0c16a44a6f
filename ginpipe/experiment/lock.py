"""The experiment folder's lock: one run at a time, and who holds it.

`.lock` holds an exclusive `flock` for the whole run, and the holder's pid for the message of a run
refused meanwhile. A run that is refused in turn puts the previous pid back, so that a refused run
leaves every byte of the folder as it was.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import ExperimentError

__all__ = ["FolderLock", "lock_holder", "LOCK"]

LOCK = ".lock"


class FolderLock:
    """`acquire()` the lock of `folder` (or raise, naming the pid that holds it); `release()` it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._fd: int | None = None
        self._previous: bytes | None = None  # the lock's content before this run, until `claim()`

    def acquire(self) -> None:
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ExperimentError(f"Another run (pid {holder}) is using {self.folder}.",
                                  hint="Wait for it to finish, or use another --experiment-name.") from None
        self._previous = os.pread(fd, 64, 0)
        _write_pid(fd, str(os.getpid()).encode())
        self._fd = fd

    def claim(self) -> None:
        """The folder is ours to write: keep our pid in the lock."""
        self._previous = None

    def release(self) -> None:
        if self._fd is not None:
            if self._previous is not None:  # refused: the lock file as it was
                _write_pid(self._fd, self._previous)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_holder(folder: Path) -> int | None:
    """The pid of the live run holding the folder's lock (-1: unknown), or None when no run holds it."""
    try:
        fd = os.open(Path(folder) / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
        return int(text) if text.isdigit() else -1
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _write_pid(fd: int, pid: bytes) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, pid, 0)
