"""What state an experiment folder is in: done, failed, interrupted or running.

`run.json` says "running" from the moment a run starts until it ends, so a run killed outright
(SIGKILL, power loss) leaves "running" behind. The folder's lock tells the truth: a live run holds
it (flock), a dead one cannot. `ginpipe compare` and `ginpipe status` both read state from here.
"""
from __future__ import annotations

import datetime
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunState", "read_run_state", "status_command"]


@dataclass(frozen=True)
class RunState:
    folder: Path
    state: str  # done / failed / interrupted / running / unknown
    pid: int | None  # the pid holding the lock now (running), else the last run's
    last_task: str | None
    age_s: float | None  # since the last run ended (or started, when it has not)

    def describe_age(self) -> str:
        if self.age_s is None:
            return "-"
        seconds = int(self.age_s)
        for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
            if seconds >= size:
                return f"{seconds // size} {unit} ago"
        return f"{seconds} s ago"


def lock_holder(folder: Path) -> int | None:
    """The pid of the live run holding the folder's lock, or None when no run holds it."""
    try:
        fd = os.open(Path(folder) / ".lock", os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
        return int(text) if text.isdigit() else -1
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def read_run_state(folder: Path) -> RunState:
    folder = Path(folder)
    try:
        run = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        run = {}
    status = run.get("status", "unknown")
    holder = lock_holder(folder)
    if holder is not None:
        status = "running"
    elif status == "running":
        status = "interrupted"  # run.json was never closed and no live run holds the lock
    tasks = run.get("tasks") or []
    last = tasks[-1] if tasks else None
    last_task = f"{last['label']} ({last.get('status')})" if last else None
    if last and status == "interrupted":  # the task running at the kill was never journaled
        last_task = (f"{last['label']} (interrupted)" if last.get("status") in ("running", "interrupted")
                     else f"after {last['label']}")
    stamp = run.get("ended") or run.get("started")
    age = None
    if stamp:
        try:
            age = (datetime.datetime.now().astimezone() - datetime.datetime.fromisoformat(stamp)).total_seconds()
        except ValueError:
            pass
    pid = holder if holder is not None else run.get("pid")
    return RunState(folder, status, pid, last_task, age)


def status_command(paths) -> int:
    """`ginpipe status DIR...`: one line per experiment."""
    from .compare import experiment_folders, render
    states = [read_run_state(f) for f in experiment_folders(paths)]
    header = ["experiment", "state", "lock", "last task", "age"]
    cells = [[str(s.folder), s.state, f"pid {s.pid}" if s.state == "running" else "-",
              s.last_task or "-", s.describe_age()] for s in states]
    print(render(header, cells))
    return 0
