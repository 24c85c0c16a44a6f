"""The words ginpipe writes for where a run, a task, a sweep member or a study trial stands.

Each is a `StrEnum` (as Lightning's `TrainerFn`/`RunningStage`): a member IS its string, so the JSON
records ginpipe wrote before these enums existed read back unchanged, and code compares against
members, never against bare strings that a typo could silently miss.
"""
from __future__ import annotations

from enum import StrEnum

__all__ = ["RunStatus", "TaskStatus", "MemberStatus", "TrialState", "Action"]


class RunStatus(StrEnum):
    """A run's `status` in its folder's run.json, as `status`, `compare`, `gc` and trackers read it."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # killed or stopped; run.json said "running" and no live run holds the lock
    PRUNED = "pruned"  # a study trial its pruner stopped early
    UNKNOWN = "unknown"  # run.json cannot be read as ginpipe writes it


class TaskStatus(StrEnum):
    """One task's entry in run.json."""
    RUNNING = "running"
    DONE = "done"
    CACHED = "cached"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class MemberStatus(StrEnum):
    """How a sweep member ended in this command."""
    DONE = "done"
    SKIPPED = "skipped"  # finished earlier (by an earlier command, or another one running beside it)
    FAILED = "failed"


class TrialState(StrEnum):
    """A study trial's state in trial.json, in optuna's words (`optuna.trial.TrialState`), lower case."""
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"
    RUNNING = "running"
    WAITING = "waiting"


class Action(StrEnum):
    """What the engine decided for one task before running a task list."""
    RUN = "run"
    CACHED = "cached"
    NESTED = "nested"  # a task list inside a task: decided when it runs
    DECIDE = "decide"  # known only once earlier tasks ran
