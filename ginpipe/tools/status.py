"""`ginpipe status`: the state of experiments (done, failed, interrupted, running), their lock,
last task and age, one line each."""
from __future__ import annotations

import sys

from ..experiment.run_state import read_run_state
from .compare import render
from .finished import experiment_folders

__all__ = ["status_command"]


def status_command(paths) -> int:
    """`ginpipe status DIR...`: one line per experiment."""
    states = []
    for state in map(read_run_state, experiment_folders(paths)):
        if state.problem:  # one damaged folder is named, the others still listed
            print(f"note: skipped {state.folder}: {state.problem}.", file=sys.stderr)
        else:
            states.append(state)
    header = ["experiment", "state", "lock", "last task", "age"]
    cells = [[str(s.folder), s.state, f"pid {s.pid}" if s.state == "running" else "-",
              s.last_task or "-", s.describe_age()] for s in states]
    print(render(header, cells))
    return 0
