"""Whether the run must recompute what tasks keep across experiments (`ginpipe.io.must_recompute`).

A task's own cache is the runner's: `--no-cache` and `ginpipe reproduce` rerun every task. What a
task keeps across experiments on its own (features per clip, a generated dataset) is the task's, so
it asks: while `ginpipe reproduce` runs, such caches recompute their values instead of reading them,
and a reproduction checks the code as it is, not the values an earlier run left on disk.

The flag is an environment variable, so that the processes a task starts (DataLoader workers, a
forked sweep member) see it too.
"""
from __future__ import annotations

import contextlib
import os

from ..environ import variable_set

__all__ = ["must_recompute", "recomputing", "VARIABLE"]

VARIABLE = "GINPIPE_MUST_RECOMPUTE"


def must_recompute() -> bool:
    """True while the run must not reuse any cache a task keeps across experiments: compute, and
    write the values again, without reading the stored ones (`ginpipe reproduce` sets it).

    Example:
        >>> from ginpipe.io import must_recompute
        >>> cached = None if must_recompute() else cache.load(key)  # doctest: +SKIP
    """
    return os.environ.get(VARIABLE, "") not in ("", "0")


def recomputing() -> contextlib.AbstractContextManager[None]:
    """`must_recompute()` is True inside (and in the processes started inside)."""
    return variable_set(VARIABLE, "1")
