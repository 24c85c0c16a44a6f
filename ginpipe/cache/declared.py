"""Paths a running task declares it reads (`ginpipe.io.declare_input`), for its cache key.

The runner sees the paths a task's bindings name (`data_paths`). A task that opens a file by a name
it computes (`f"{root}/{split}.csv"`) declares it while it runs; the runner keeps the names in the
task's record and fingerprints them again at the next plan, as ninja does with a compiler's depfile.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["declare_input", "recording"]

# One list per running task; a plain global, not a context variable: one task runs at a time in a
# process, and threads the task starts must reach its list too.
_running: list[list[str]] = []


def declare_input(path: str | os.PathLike) -> None:
    """Declare that the running task reads the file or folder `path`, so that a change to it (files
    added, removed, replaced or touched) reruns the task and the tasks after it.

    Call it in the task's own process (not in a DataLoader worker), for a path no binding names.
    Outside a run it does nothing.

    Example:
        >>> from ginpipe.io import declare_input
        >>> declare_input(f"data/{split}.csv")  # doctest: +SKIP
    """
    if not _running:
        return
    paths = _running[-1]
    name = Path(os.fspath(path)).expanduser()
    if name.is_absolute():
        try:  # inside the project: kept relative, so that a moved project keeps its keys
            name = name.relative_to(Path.cwd())
        except ValueError:
            pass
    text = str(name)
    if text not in paths:
        paths.append(text)


@contextlib.contextmanager
def recording():
    """Collect what the task running inside declares; yields the list."""
    paths: list[str] = []
    _running.append(paths)
    try:
        yield paths
    finally:
        del _running[next(i for i in range(len(_running) - 1, -1, -1) if _running[i] is paths)]
