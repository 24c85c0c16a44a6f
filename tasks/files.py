"""Atomic file writes for the project's own outputs (checkpoints, logs, caches).

A file is written under a temporary name (in `tmp_dir` when given, else beside its destination, on
the same file system), optionally flushed to the disk, then renamed into place: a reader, or a run
killed at any moment, sees the old file or the new one, never a partial one.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = ["atomic_write", "atomic_write_text"]

_names = itertools.count()


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None],
                 tmp_dir: str | os.PathLike | None = None, durable: bool = True) -> Path:
    """Call `write(file)` on a temporary file, then rename it to `path`.

    Args:
        path: the destination.
        write: writes the content to the binary file it is given.
        tmp_dir: where the temporary file lives (must be on the destination's file system); default
            the destination's folder, under a hidden name that no reader of that folder picks up.
        durable: fsync the file and the folder, so that the file also survives a power cut.

    Example:
        >>> atomic_write("out/report.csv", lambda f: f.write(b"a,b\\n1,2\\n"))  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tmp_dir) if tmp_dir is not None else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".tmp-{os.getpid()}-{next(_names)}-{path.name}.partial"
    try:
        with open(tmp, "xb") as f:
            write(f)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_folder(path.parent)
    return path


def atomic_write_text(path: str | os.PathLike, text: str, tmp_dir: str | os.PathLike | None = None,
                      durable: bool = True) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode()), tmp_dir, durable)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory: the rename is still atomic
        pass
    finally:
        os.close(fd)
