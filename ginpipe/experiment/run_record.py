"""`run.json`: the command, start and end, and each task's status, timing and cache use.

It is rewritten atomically after every task that runs (and before it starts, when tasks from the
cache came first), so it is readable and true even after a crash: a task taken from the cache takes
milliseconds, and is written with the next.
"""
from __future__ import annotations

import time
from pathlib import Path

from ..files import write_json
from .statuses import RunStatus, TaskStatus

__all__ = ["RunRecord"]


def _now() -> str:
    """The local time and its UTC offset, to the second, as `datetime`'s isoformat writes it (with
    `time`: importing datetime for this alone was a millisecond of every run)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")  # ...+0100
    return f"{stamp[:-2]}:{stamp[-2:]}"


class RunRecord:
    """The run.json of one run (no file when `path` is None: a dry run, a non-zero rank)."""

    def __init__(self, path: Path | None, **meta):
        self.path = path
        self.data = {**meta, "status": RunStatus.RUNNING, "started": _now(), "ended": None, "tasks": []}
        self.pending = False  # entries finished since the last write

    def start(self, label: str, task: str) -> dict:
        entry = {"label": label, "task": task, "status": TaskStatus.RUNNING}
        self.data["tasks"].append(entry)  # written when it finishes: one write per task
        return entry

    def finish(self, entry: dict, status: str, write: bool = True, **fields) -> None:
        """Record how the task ended; `write=False` leaves the write to the next task or the end."""
        entry.update(status=status, **fields)
        if write:
            self.flush()
        else:
            self.pending = True

    def end(self, status: str, **fields) -> None:
        self.data.update(status=status, ended=_now(), **fields)
        self.flush()

    def flush(self) -> None:
        self.pending = False
        if self.path is not None:
            # A log: a kill cannot truncate it (staged in the experiment's .tmp, then renamed).
            write_json(self.path, self.data, durable=False, tmp_dir=self.path.parent / ".tmp")
