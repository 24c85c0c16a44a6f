"""`ginpipe status`: the state of experiments (done, failed, interrupted, running), their lock,
last task and age, one line each."""
from __future__ import annotations

import sys

from ..experiment.folder_status import read_folder_status
from ..experiment.statuses import RunStatus
from .compare import render
from .finished import experiment_folders

__all__ = ["status_command"]


def status_command(paths) -> int:
    """`ginpipe status DIR...`: one line per experiment."""
    statuses = []
    for status in map(read_folder_status, experiment_folders(paths)):
        if status.problem:  # one damaged folder is named, the others still listed
            print(f"note: skipped {status.folder}: {status.problem}.", file=sys.stderr)
        else:
            statuses.append(status)
    header = ["experiment", "state", "lock", "last task", "age"]
    cells = [[str(s.folder), s.status, f"pid {s.pid}" if s.status is RunStatus.RUNNING else "-",
              s.last_task or "-", s.describe_age()] for s in statuses]
    print(render(header, cells))
    return 0
