"""`run.json`: the command, start and end, and each task's status, timing and cache use.

It is rewritten atomically after every task, so it is readable (and true) even after a crash.
"""
from __future__ import annotations

import datetime
from pathlib import Path

from ..files import write_json

__all__ = ["RunRecord"]


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


class RunRecord:
    """The run.json of one run (no file when `path` is None: a dry run, a non-zero rank)."""

    def __init__(self, path: Path | None, **meta):
        self.path = path
        self.data = {**meta, "status": "running", "started": _now(), "ended": None, "tasks": []}

    def start(self, label: str, task: str) -> dict:
        entry = {"label": label, "task": task, "status": "running"}
        self.data["tasks"].append(entry)  # written when it finishes: one write per task
        return entry

    def finish(self, entry: dict, status: str, **fields) -> None:
        entry.update(status=status, **fields)
        self.flush()

    def end(self, status: str, **fields) -> None:
        self.data.update(status=status, ended=_now(), **fields)
        self.flush()

    def flush(self) -> None:
        if self.path is not None:
            # A log: a kill cannot truncate it (staged in the experiment's .tmp, then renamed).
            write_json(self.path, self.data, durable=False, tmp_dir=self.path.parent / ".tmp")
