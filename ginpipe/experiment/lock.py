"""The experiment folder's lock: one run at a time, and who holds it.

`.lock` holds an exclusive `flock` for the whole run, and the holder's pid for the message of a run
refused meanwhile. A run that is refused in turn puts the previous pid back, so that a refused run
leaves every byte of the folder as it was.

Asking who holds the lock (`status`, `compare`, `gc`) must not take it, even for an instant: a run
starting at that instant would be refused, naming a pid that has exited. A flock can only be tested
by taking it, so the run also holds an open-file-description record lock on the same file (Linux:
`F_OFD_SETLK`, inherited by forks like the flock), which `F_OFD_GETLK` reads without taking.
Where those do not exist, `lock_holder` falls back to testing the flock.
"""
from __future__ import annotations

import fcntl
import os
import struct
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
        _hold_record_lock(fd)
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
        held = _record_lock_held(fd)
        if held is None:  # no record locks here: test the flock itself (taking it for an instant)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                held = True
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                held = False
        if not held:
            return None
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
        return int(text) if text.isdigit() else -1
    finally:
        os.close(fd)


# struct flock: l_type, l_whence, l_start, l_len, l_pid (native layout, padded as the kernel's)
_FLOCK = "hhqqi4x"
_OFD = hasattr(fcntl, "F_OFD_SETLK") and hasattr(fcntl, "F_OFD_GETLK")


def _hold_record_lock(fd: int) -> None:
    """A write lock on the whole file, owned by this open file (released when the run's fd closes)."""
    if _OFD:
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        except OSError:  # a file system without record locks: `lock_holder` tests the flock there
            pass


def _record_lock_held(fd: int) -> bool | None:
    """Whether a run holds the record lock of the open lock file; None when it cannot be asked."""
    if not _OFD:
        return None
    try:
        answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    except OSError:
        return None
    return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK


def _write_pid(fd: int, pid: bytes) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, pid, 0)
