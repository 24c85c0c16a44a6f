"""Files written atomically: a reader, or a run killed midway, never sees a truncated file.

Every file is written under a temporary name (in the destination's folder, or a staging folder on
the same file system), optionally flushed to disk, then renamed into place. The runner and the
project's tasks (checkpoints, logs, metrics, the model bundle) all write through here; project code
reaches it as `ginpipe.io`.
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "write_text", "write_json", "read_json", "fsync_path", "TMP_PREFIX"]

TMP_PREFIX = ".tmp-"
_tmp_names = itertools.count()


def atomic_write(path: str | os.PathLike, write: Callable, tmp_dir: str | os.PathLike | None = None,
                 durable: bool = True) -> Path:
    """Call `write(file)` on a temporary file, then rename it to `path`; return `path`.

    The temporary file lives in `tmp_dir` (same file system; default: `path`'s folder), so that a
    folder such as `state/` only ever holds complete files; its hidden `.partial` name is never
    matched by a reader listing the folder by extension (Lightning's `*.ckpt`). `durable` also
    flushes the file to the disk before the rename (state and index: they must survive a power cut,
    not just a kill).

    Example:
        >>> atomic_write("out/metrics.json", lambda f: f.write(b"{}"))  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tmp_dir) if tmp_dir is not None else path.parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"{TMP_PREFIX}{os.getpid()}-{next(_tmp_names)}-{path.name}.partial"
    try:
        with open(tmp, "xb") as f:
            write(f)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.filename is None:  # a failed write() (a full disk) names no file: name the one being written
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_path(path.parent)
    return path


def write_text(path: str | os.PathLike, text: str, tmp_dir: str | os.PathLike | None = None,
               durable: bool = True) -> Path:
    """`text` into `path`, atomically (see `atomic_write`)."""
    return atomic_write(path, lambda f: f.write(text.encode()), tmp_dir, durable)


def write_json(path: str | os.PathLike, data, durable: bool = True, tmp_dir: str | os.PathLike | None = None) -> Path:
    """`data` as indented JSON into `path`, atomically (values JSON cannot hold are written as str)."""
    return write_text(path, json.dumps(data, indent=2, default=str) + "\n", tmp_dir, durable)


def read_json(path: str | os.PathLike, default=None):
    """The JSON in `path`, or `default` when the file is missing (a file where one of its folders
    should be included) or not (yet) valid JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return default


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file or a folder (its entries: a rename) to the disk; a no-op where that is refused."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
