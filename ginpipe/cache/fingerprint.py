"""Content fingerprints of state values, to notice when a task changed a value in place.

GinPipe tasks often mutate what they read (`state.df["label"] = ...`). A fingerprint taken when a
key is first read and again after the task tells the runner that the key was in fact written.
Data containers are hashed by content; objects of unknown kinds give None ("cannot tell").
"""
from __future__ import annotations

import sys
from pathlib import PurePath

try:  # hashlib's own blake2b; importing hashlib itself also loads OpenSSL, about 3 ms a process
    from _blake2 import blake2b
except ImportError:  # a Python without the builtin module
    from hashlib import blake2b

__all__ = ["content", "digest"]


def digest(*parts: str | bytes) -> str:
    h = blake2b(digest_size=16)
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\x00")
    return h.hexdigest()


def content(value) -> str | None:
    """A hash of `value`'s content, or None when its kind cannot be hashed cheaply and reliably."""
    h = blake2b(digest_size=16)
    return h.hexdigest() if _feed(h, value, depth=0) else None


def _feed(h, value, depth: int) -> bool:
    if depth > 50:
        return False
    kind = type(value)
    h.update(f"<{kind.__module__}.{kind.__qualname__}>".encode())
    if value is None or kind in (bool, int, float, complex, str, bytes):
        h.update(repr(value).encode())
        return True
    if isinstance(value, PurePath):
        h.update(str(value).encode())
        return True
    if kind in (list, tuple) or isinstance(value, tuple):
        return all(_feed(h, item, depth + 1) for item in value)
    if kind in (set, frozenset):
        items = [content(item) for item in value]
        known = [item for item in items if item is not None]
        if len(known) < len(items):
            return False
        h.update("".join(sorted(known)).encode())
        return True
    if isinstance(value, dict):
        return all(_feed(h, k, depth + 1) and _feed(h, v, depth + 1) for k, v in value.items())
    return _feed_array_like(h, value)


def _feed_array_like(h, value) -> bool:
    numpy, pandas, torch = (sys.modules.get(m) for m in ("numpy", "pandas", "torch"))
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.dtype == object:
            return all(_feed(h, item, 1) for item in value.ravel().tolist())
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(numpy.ascontiguousarray(value).tobytes())
        return True
    if pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series)):
        frame = isinstance(value, pandas.DataFrame)
        h.update(repr(list(value.columns) if frame else [value.name]).encode())
        h.update(repr(list(map(str, value.dtypes)) if frame else [str(value.dtype)]).encode())
        try:
            hashed = pandas.util.hash_pandas_object(value, index=True)
        except TypeError:  # unhashable cells (lists, arrays): hash them one by one
            return all(_feed(h, cell, 1) for cell in value.to_numpy().ravel().tolist())
        h.update(hashed.to_numpy().tobytes())
        return True
    if torch is not None and isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        h.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
        h.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
        return True
    if torch is not None and isinstance(value, torch.nn.Module):
        return _feed(h, dict(value.state_dict()), 1)
    return False
