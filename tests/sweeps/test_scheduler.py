"""The scheduler on its own: job sources and a launcher of real tiny `python -c` processes."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from ginpipe.sweeps.scheduler import Job, Readiness, Result, schedule


@dataclass(frozen=True)
class Tiny:
    """A member as the scheduler sees it without a gate: a name (and here, the code its process runs)."""
    name: str
    code: str = "pass"


class _Process:
    def __init__(self, launcher: "Processes", process: subprocess.Popen):
        self.launcher, self.process = launcher, process

    def poll(self) -> Result | None:
        if self.process.poll() is None:
            return None
        self.launcher.running -= 1
        code = self.process.returncode
        return code == 0, "" if code == 0 else f"exit code {code}", []

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


class Processes:
    """A launcher: one `python -c CODE` process per member, `capacity` at once."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.running, self.most, self.started = 0, 0, []
        self.processes: list[subprocess.Popen] = []

    def start(self, member: Tiny) -> _Process:
        self.running += 1
        self.most = max(self.most, self.running)
        self.started.append(member.name)
        process = subprocess.Popen([sys.executable, "-c", member.code])
        self.processes.append(process)
        return _Process(self, process)


class Members:
    """A job source that knows its members up front (as a sweep does); records how each ended."""

    lookahead = None

    def __init__(self, members: list[Tiny]):
        self.todo = list(members)
        self.ended: dict[str, Result] = {}
        self.stops: list[tuple[list[str], type]] = []

    def exhausted(self) -> bool:
        return not self.todo

    def next_job(self) -> Job | None:
        return Job(self.todo.pop(0)) if self.todo else None

    def ready(self, job: Job) -> Readiness:
        return Readiness.START

    def finished(self, job: Job, result: Result) -> bool:
        self.ended[job.member.name] = result
        return True

    def stopped(self, unfinished: list[Job], error: BaseException) -> None:
        self.stops.append(([j.member.name for j in unfinished], type(error)))


def test_every_job_runs_once_at_most_capacity_at_once_and_each_outcome_is_collected(tmp_path):
    members = [Tiny(f"m{i}", f"import time; time.sleep(0.3); open({str(tmp_path / f'm{i}')!r}, 'w')") for i in range(4)]
    members.append(Tiny("bad", "raise SystemExit(3)"))
    source, launcher = Members(members), Processes(capacity=2)
    schedule(source, launcher, share_prefix=False, poll_s=0.02)
    assert sorted(launcher.started) == ["bad", "m0", "m1", "m2", "m3"]
    assert launcher.most == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m0", "m1", "m2", "m3"]
    assert source.ended == {**{f"m{i}": (True, "", []) for i in range(4)}, "bad": (False, "exit code 3", [])}
    assert source.stops == []


def test_a_job_its_source_does_not_accept_as_finished_is_held_and_started_again():
    class Again(Members):
        def finished(self, job, result):
            if job.member.name == "twice" and launcher.started.count("twice") < 2:
                return False
            return super().finished(job, result)

    source, launcher = Again([Tiny("once"), Tiny("twice")]), Processes(capacity=1)
    schedule(source, launcher, poll_s=0.02)
    assert launcher.started == ["once", "twice", "twice"]
    assert set(source.ended) == {"once", "twice"}


def test_a_job_waits_while_its_source_says_wait_and_a_dropped_job_never_starts():
    class Picky(Members):
        asked: list[str] = []

        def ready(self, job):
            self.asked.append(job.member.name)
            if job.member.name == "dropped":
                return Readiness.DROP
            if job.member.name == "later" and self.asked.count("later") < 3:
                return Readiness.WAIT
            return Readiness.START

    source, launcher = Picky([Tiny("later"), Tiny("dropped"), Tiny("now")]), Processes(capacity=3)
    schedule(source, launcher, share_prefix=False, poll_s=0.02)
    assert launcher.started == ["now", "later"]
    assert source.asked.count("later") == 3 and source.asked.count("dropped") == 1
    assert set(source.ended) == {"now", "later"}


def test_a_source_with_a_lookahead_is_asked_only_when_a_job_can_start():
    class Asked(Members):
        lookahead = 1
        held_at_ask: list[int] = []

        def next_job(self):
            self.held_at_ask.append(len(launcher.started) - len(self.ended))
            return super().next_job()

    source, launcher = Asked([Tiny(f"t{i}", "import time; time.sleep(0.2)") for i in range(3)]), Processes(2)
    schedule(source, launcher, share_prefix=False, poll_s=0.02)
    assert launcher.most == 2 and len(source.ended) == 3
    assert max(source.held_at_ask) <= 1  # never asked while two of its jobs were running
    assert source.held_at_ask[:2] == [0, 1]


def test_ctrl_c_cancels_the_running_jobs_and_tells_the_source_which_were_unfinished():
    class Interrupted(Members):
        lookahead = 1

        def next_job(self):
            if launcher.started:  # the first job runs: the user presses Ctrl-C
                raise KeyboardInterrupt
            return super().next_job()

    source, launcher = Interrupted([Tiny("long", "import time; time.sleep(60)"), Tiny("next")]), Processes(2)
    with pytest.raises(KeyboardInterrupt):
        schedule(source, launcher, share_prefix=False, poll_s=0.02)
    assert launcher.started == ["long"]
    assert launcher.processes[0].returncode == -15  # terminated, not left running
    assert source.stops == [(["long"], KeyboardInterrupt)]
    assert source.ended == {}


def test_an_error_a_source_raises_for_a_finished_job_does_not_report_that_job_as_unfinished():
    class Failing(Members):
        def finished(self, job, result):
            raise RuntimeError("the storage is gone")

    source, launcher = Failing([Tiny("quick"), Tiny("slow", "import time; time.sleep(60)")]), Processes(2)
    with pytest.raises(RuntimeError, match="the storage is gone"):
        schedule(source, launcher, share_prefix=False, poll_s=0.02)
    assert source.stops == [(["slow"], RuntimeError)]
    assert launcher.processes[1].returncode == -15

