"""The one loop that runs a sweep's members and a study's trials: start, poll, gate, cancel, collect.

WHAT runs comes from a `JobSource` (a sweep's members, all known up front; a study's trials, asked
from optuna one by one); HOW it runs is the `Launcher` (local processes, forks, submitit jobs), as
hydra keeps its Sweeper apart from its Launcher. The scheduler keeps up to `launcher.capacity` jobs
running, holds the others back at the start gate (`ginpipe.sweeps.gate`) until the first member made
the tasks they share, and on Ctrl-C or any error cancels what runs and lets the source say what was
left unfinished. Members die with this process on their own (`parent_death`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from .sweep_plan import Member

__all__ = ["Launcher", "Handle", "Result", "JobSource", "Job", "Readiness", "schedule"]

Result = tuple[bool, str, list[str]]  # (ok, error, the last lines the job printed)


class Handle(Protocol):
    """One started job."""

    def poll(self) -> Result | None:
        """None while the job runs, then how it ended."""

    def cancel(self) -> None:
        """Stop the job (it ends as failed); nothing when it ended already."""


class Launcher(Protocol):
    """How jobs run: at most `capacity` at once, each started by `start(member)`."""

    capacity: int

    def start(self, member: Member) -> Handle: ...


@dataclass
class Job:
    """A member the scheduler holds: waiting (no handle yet) or started."""
    member: Member
    data: Any = None  # the source's own (a study's optuna trial and parameters)
    handle: Handle | None = None
    started: float = 0.0  # time.perf_counter() at its start

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


class Readiness(Enum):
    """A source's answer when a held job's turn to start came."""
    START = "start"
    WAIT = "wait"  # not yet (its folder is held by another command's run): asked again next round
    DROP = "drop"  # not needed any more (the source recorded how it ended)


class JobSource(Protocol):
    """What to run. `lookahead`: how many jobs the scheduler may hold back before they can start
    (None: take every job at once, as a sweep knows them all)."""

    @property
    def lookahead(self) -> int | None: ...

    def exhausted(self) -> bool:
        """Asked while the scheduler holds no job: is everything run? (may raise to stop)"""

    def next_job(self) -> Job | None:
        """One more job to run, or None for none now."""

    def ready(self, job: Job) -> Readiness:
        """Whether the held job may start now."""

    def finished(self, job: Job, result: Result) -> bool:
        """The job ended with `result`: record it and say True, or False to hold it again."""

    def stopped(self, unfinished: list[Job], error: BaseException) -> None:
        """The scheduler stops on `error` (KeyboardInterrupt included) with these jobs unfinished
        (held ones first; started ones were cancelled): record them, and raise the error to show."""


def schedule(source: JobSource, launcher: Launcher, share_prefix: bool = True, poll_s: float = 0.2) -> None:
    """Run the source's jobs through the launcher until the source is exhausted."""
    gating = share_prefix and launcher.capacity > 1
    gate = None
    jobs: list[Job] = []
    try:
        while True:
            if not jobs and source.exhausted():
                return
            pulled = False
            while _room(source, launcher, jobs, gating) and (job := source.next_job()) is not None:
                jobs.append(job)
                pulled = True
                if gating:
                    if gate is None:
                        from .gate import StartGate
                        gate = StartGate([])
                    gate.add(job.member)
            _start(source, launcher, jobs, gate)
            for job, handle in [(j, j.handle) for j in jobs if j.handle is not None]:
                result = handle.poll()
                if result is None:
                    continue
                jobs.remove(job)  # out before the source hears of it: a source that raises has recorded it
                job.handle = None
                if not source.finished(job, result):
                    jobs.append(job)  # held again
                elif gate:
                    gate.finished(job.member)
            if jobs or not pulled:
                time.sleep(poll_s)
    except BaseException as error:
        for job in jobs:
            if job.handle is not None:
                job.handle.cancel()
        source.stopped([j for j in jobs if j.handle is None] + [j for j in jobs if j.handle is not None], error)
        raise


def _room(source: JobSource, launcher: Launcher, jobs: list[Job], gating: bool) -> bool:
    """Take one more job now? A source with a lookahead is asked late (a study's next trial is sampled
    knowing as many results as can be): one held job, two while the gate holds one back."""
    if source.lookahead is None:
        return True
    held = sum(j.handle is None for j in jobs)
    return len(jobs) < launcher.capacity and held < source.lookahead + gating


def _start(source: JobSource, launcher: Launcher, jobs: list[Job], gate) -> None:
    """Start held jobs, in the gate's order, while the launcher has room."""
    if gate is not None:
        order = {m.name: i for i, m in enumerate(gate.released())}
        candidates = sorted((j for j in jobs if j.member.name in order), key=lambda j: order[j.member.name])
    else:
        candidates = list(jobs)
    for job in candidates:
        if job.handle is not None:
            continue
        if sum(j.handle is not None for j in jobs) >= launcher.capacity:
            return
        readiness = source.ready(job)
        if readiness is Readiness.DROP:
            jobs.remove(job)
            if gate is not None:
                gate.finished(job.member)
        elif readiness is Readiness.START:
            job.handle, job.started = launcher.start(job.member), time.perf_counter()
