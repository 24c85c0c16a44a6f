"""The file format of each state value: parquet, torch or pickle, chosen by the value's type.

DataFrames go to parquet (when pyarrow is there and parquet gives the frame back unchanged: not
when cells hold lists, sets or dicts), torch tensors and modules to `torch.save`, everything else
to pickle. Every file is written atomically
(`ginpipe.files`): a reader (or a run killed midway) never sees a truncated file.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from ..files import atomic_write

__all__ = ["save_value", "load_value", "safe_name"]


def safe_name(key: str) -> str:
    """A file name for a state key (keys are free-form strings)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", key).lstrip(".") or "_"
    return name[:120]


def save_value(value, folder: Path, key: str, tmp_dir: Path | None = None) -> tuple[str, str]:
    """Write `value` under `folder`; return (file name, format)."""
    base = safe_name(key)
    if _is_dataframe(value) and _parquet_keeps(value):
        try:
            import pyarrow  # noqa: F401 - parquet needs it
            target = folder / f"{base}.parquet"
            atomic_write(target, lambda f: value.to_parquet(f), tmp_dir)
            return target.name, "parquet"
        except Exception:  # object columns parquet cannot hold, or no pyarrow: pickle is exact
            pass
    from . import pickling  # here, not above: a run whose tasks all come from the cache pickles nothing

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
    from . import pickling

    with open(path, "rb") as f:
        return pickling.load(f)


def _is_dataframe(value) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _parquet_keeps(frame) -> bool:
    """Whether parquet gives the frame back as it was: not when text columns hold other objects.
    Lists and sets come back as numpy arrays, dicts as dicts with every column's keys (ints as
    floats): a cached rerun would hand the next task other values than the run that made them."""
    from pandas.api.types import infer_dtype, is_object_dtype

    columns = [frame.iloc[:, i] for i in range(frame.shape[1]) if is_object_dtype(frame.dtypes.iloc[i])]
    if frame.index.dtype == object:
        columns.append(frame.index)
    return all(infer_dtype(column, skipna=True) in ("string", "empty") for column in columns)


def _is_torch(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, (torch.Tensor, torch.nn.Module))
