"""`variable_set(name, value)`: one environment variable set while a block runs, as it was after.

ginpipe hands settings to the code a run executes, and to the processes it starts (DDP ranks, sweep
members, Dask workers started locally), through the environment: `--cluster`, a study's trial link,
`ginpipe reproduce`'s "recompute everything", `-q`. Each is set for one command only, so a Python
session (a notebook, a test worker) that runs two commands does not carry the first one's into the
second.
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator

__all__ = ["variable_set"]


@contextlib.contextmanager
def variable_set(name: str, value: str | None) -> Iterator[None]:
    """`os.environ[name] = value` inside the block, restored (or removed) after it; nothing at all
    when `value` is None or empty."""
    if not value:
        yield
        return
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
