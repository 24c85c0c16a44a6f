"""Saves and loads state values in a format fit for their type, atomically.

DataFrames go to parquet (when pyarrow is there and the frame fits parquet), torch tensors and
modules to `torch.save`, everything else to pickle. Every file is written beside its destination
under a temporary name, flushed to disk, then renamed into place: a reader (or a run killed midway)
never sees a truncated file.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import sys
from pathlib import Path
from typing import Callable

from . import pickling

__all__ = ["save_value", "load_value", "atomic_write", "write_text", "write_json", "read_json", "safe_name"]

TMP_PREFIX = ".tmp-"
_tmp_names = itertools.count()


def atomic_write(path: str | os.PathLike, write: Callable, tmp_dir: str | os.PathLike | None = None,
                 durable: bool = True) -> Path:
    """Call `write(file)` on a temporary file, then rename it to `path`; return `path`.

    The temporary file lives in `tmp_dir` (same file system; default: `path`'s folder), so that a
    folder such as `state/` only ever holds complete files; its hidden `.partial` name is never
    matched by a reader listing the folder by extension (Lightning's `*.ckpt`). `durable` also
    flushes the file to the disk before the rename (state and index: they must survive a power cut,
    not just a kill). The runner and the project's tasks (checkpoints, logs, metrics) all write
    through here.
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
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)
    return path


def write_text(path: str | os.PathLike, text: str, tmp_dir: str | os.PathLike | None = None,
               durable: bool = True) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode()), tmp_dir, durable)


def write_json(path: Path, data, durable: bool = True, tmp_dir: Path | None = None) -> None:
    text = json.dumps(data, indent=2, default=str) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()), tmp_dir, durable=durable)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def safe_name(key: str) -> str:
    """A file name for a state key (keys are free-form strings)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", key).lstrip(".") or "_"
    return name[:120]


def save_value(value, folder: Path, key: str, tmp_dir: Path | None = None) -> tuple[str, str]:
    """Write `value` under `folder`; return (file name, format)."""
    base = safe_name(key)
    if _is_dataframe(value):
        try:
            import pyarrow  # noqa: F401 - parquet needs it
            target = folder / f"{base}.parquet"
            atomic_write(target, lambda f: value.to_parquet(f), tmp_dir)
            return target.name, "parquet"
        except Exception:  # object columns parquet cannot hold, or no pyarrow: pickle is exact
            pass
    if _is_torch(value):
        import torch
        target = folder / f"{base}.pt"
        atomic_write(target, lambda f: torch.save(value, f, pickle_module=pickling), tmp_dir)
        return target.name, "torch"
    target = folder / f"{base}.pkl"
    atomic_write(target, lambda f: pickling.dump(value, f), tmp_dir)
    return target.name, "pickle"


def load_value(path: Path, fmt: str):
    if fmt == "parquet":
        import pandas
        return pandas.read_parquet(path)
    if fmt == "torch":
        import torch
        return torch.load(path, weights_only=False)  # our own file, written by this runner
    with open(path, "rb") as f:
        return pickling.load(f)


def _is_dataframe(value) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _is_torch(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, (torch.Tensor, torch.nn.Module))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
