"""The Dask scheduler a run's data jobs go to (`--cluster ADDRESS`), handed to tasks through the
environment: a task reads it with `ginpipe.io.cluster_address()`, and processes a run starts (DDP
ranks, sweep members) inherit it. ginpipe itself never imports dask; the project's data engine does.
"""
from __future__ import annotations

import contextlib
import os

from ..environ import variable_set

__all__ = ["cluster_address", "cluster_environment"]

_VARIABLE = "GINPIPE_CLUSTER"


def cluster_address() -> str | None:
    """The scheduler address given with `--cluster` (e.g. 'tcp://10.0.0.5:8786'); None: none given."""
    return os.environ.get(_VARIABLE) or None


def cluster_environment(address: str | None) -> contextlib.AbstractContextManager[None]:
    """Put `address` in the environment while the run executes (nothing when it is None)."""
    return variable_set(_VARIABLE, address)
