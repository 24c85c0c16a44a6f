"""Where an experiment folder stands: done, failed, interrupted or running.

`run.json` says "running" from the moment a run starts until it ends, so a run killed outright
(SIGKILL, power loss) leaves "running" behind. The folder's lock tells the truth: a live run holds
it (flock), a dead one cannot. `ginpipe compare` and `ginpipe status` both read its status from here.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from .lock import lock_holder
from .statuses import RunStatus, TaskStatus

__all__ = ["FolderStatus", "read_folder_status"]


@dataclass(frozen=True)
class FolderStatus:
    """Where an experiment folder's last run stands, with what `ginpipe status` prints beside it."""
    folder: Path
    status: RunStatus
    pid: int | None  # the pid holding the lock now (running), else the last run's
    last_task: str | None
    age_s: float | None  # since the last run ended (or started, when it has not)
    problem: str | None = None  # run.json cannot be read as ginpipe wrote it: the folder is reported, skipped

    def describe_age(self) -> str:
        if self.age_s is None:
            return "-"
        seconds = int(self.age_s)
        for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
            if seconds >= size:
                return f"{seconds // size} {unit} ago"
        return f"{seconds} s ago"

    @property
    def state(self) -> RunStatus:
        """`status` under the name `ginpipe.io.read_run_state(...).state` had before (project code reads it)."""
        return self.status


def read_folder_status(folder: Path) -> FolderStatus:
    """The folder's status; a run.json that cannot be read, or not as ginpipe writes it (`null`, a list,
    a wrong type inside), gives status "unknown" and says so in `problem`, for the tools to report."""
    folder = Path(folder)
    run, problem = _read_run(folder / "run.json")
    written = run.get("status")
    status = RunStatus(written) if isinstance(written, str) and written in set(RunStatus) else RunStatus.UNKNOWN
    holder = lock_holder(folder)
    if holder is not None:
        status = RunStatus.RUNNING
    elif status is RunStatus.RUNNING:
        status = RunStatus.INTERRUPTED  # run.json was never closed and no live run holds the lock
    tasks = run.get("tasks") or []
    last = tasks[-1] if tasks else None
    last_task = f"{last['label']} ({last.get('status')})" if last else None
    if last and status is RunStatus.INTERRUPTED:  # the task running at the kill was never journaled
        unfinished = (TaskStatus.RUNNING, TaskStatus.INTERRUPTED)
        last_task = (f"{last['label']} (interrupted)" if last.get("status") in unfinished
                     else f"after {last['label']}")
    stamp = run.get("ended") or run.get("started")
    age = None
    if stamp:
        try:
            age = (datetime.datetime.now().astimezone() - datetime.datetime.fromisoformat(stamp)).total_seconds()
        except (TypeError, ValueError):
            pass
    pid = holder if holder is not None else run.get("pid")
    return FolderStatus(folder, status, pid, last_task, age, problem)


def _read_run(path: Path) -> tuple[dict, str | None]:
    """run.json's content, checked for the types read above; ({}, why) when it is not usable."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return {}, None  # a run that has not written it yet
    except OSError as e:
        return {}, f"{path} cannot be read ({e.strerror or e})"
    try:
        run = json.loads(text)
    except ValueError:
        return {}, f"{path} is not valid JSON"
    if not isinstance(run, dict):
        return {}, f"{path} holds {_json_type(run)}, not a JSON object"
    tasks = run.get("tasks")
    wrong = [key for key, kinds in (("status", str), ("tasks", list), ("started", str), ("ended", str), ("pid", int))
             if run.get(key) is not None and not isinstance(run[key], kinds)]
    if not wrong and tasks and not all(isinstance(t, dict) and isinstance(t.get("label"), str) for t in tasks):
        wrong = ["tasks"]
    if wrong:
        return {}, f"{path} has {_json_type(run[wrong[0]])} as its {wrong[0]!r}"
    return run, None


def _json_type(value) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
