"""Running a sweep: its members as the scheduler's jobs, skipping finished ones, failures listed at the end.

A member that finished is marked (`sweep.json` in its folder, with the digest of its command and
config files), so rerunning the same sweep skips it. `_SweepMembers` is the sweep's job source for
`ginpipe.sweeps.scheduler`, which starts, gates and cancels the members through a launcher.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field

from ..errors import GinpipeError, RunInterrupted
from ..experiment.statuses import MemberStatus, RunStatus
from ..files import read_json, write_json
from ..log import logger
from ..tools.run_summary import members_table
from .sweep_plan import Member, Sweep
from .scheduler import Job, Launcher, Readiness, Result, schedule

__all__ = ["SweepError", "Outcome", "run_sweep", "finished", "summary", "MARKER"]

MARKER = "sweep.json"  # written in a member's folder once it finished, to skip it on a rerun


class SweepError(GinpipeError):
    """Some members of a sweep failed or did not finish; the message names them."""


@dataclass
class Outcome:
    member: Member
    status: MemberStatus
    seconds: float = 0.0
    error: str = ""
    log: list[str] = field(default_factory=list)  # the last lines the member printed


def run_sweep(sweep: Sweep, launcher: Launcher, share_prefix: bool = True, poll_s: float = 0.2) -> list[Outcome]:
    """Run the members not finished yet through `launcher`; raise SweepError if any failed.

    With room for several members at once, the scheduler's start gate starts the first member alone
    and each other member once the first has made every task the two share (`share_prefix=False`
    starts them at once).
    """
    logger.info(sweep.describe())
    source = _SweepMembers(sweep, _start_parent_run(sweep))
    schedule(source, launcher, share_prefix=share_prefix, poll_s=poll_s)
    ordered = [source.outcomes[m.name] for m in sweep.members]
    print(summary(ordered))
    metrics = members_table([m.folder for m in sweep.members])
    if metrics:  # on stderr: stdout keeps one line per member, for scripts
        print("\n" + metrics, file=sys.stderr)
    failed = [o for o in ordered if o.status == MemberStatus.FAILED]
    if source.parent is not None:
        source.parent.finish("FAILED" if failed else "FINISHED", members=len(ordered), failed=len(failed))
    if failed:
        raise SweepError(
            f"{len(failed)} of {len(ordered)} sweep members failed: " + ", ".join(o.member.name for o in failed)
            + ".", hint=_where_logs_are(failed) + " Fix the cause and run the same command again: finished members"
                        " are skipped, failed ones resume after their last finished task.")
    return ordered


class _SweepMembers:
    """The scheduler's job source for a sweep: every member not finished yet, all known up front."""

    lookahead = None

    def __init__(self, sweep: Sweep, parent):
        self.sweep, self.parent = sweep, parent
        self.outcomes: dict[str, Outcome] = {}
        self.todo: list[Member] = []
        self.waiting: set[str] = set()  # members an earlier command's process still runs
        for member in sweep.members:
            if not sweep.rerun_finished and finished(member):
                self.outcomes[member.name] = Outcome(member, MemberStatus.SKIPPED)
                logger.info(f"↷ {member.name}: finished earlier, skipped")
            else:
                self.todo.append(member)

    def exhausted(self) -> bool:
        return not self.todo

    def next_job(self) -> Job | None:
        return Job(_child_of(self.todo.pop(0), self.parent)) if self.todo else None

    def ready(self, job: Job) -> Readiness:
        member = job.member
        if _still_running_elsewhere(member, self.waiting):
            return Readiness.WAIT
        if member.name in self.waiting and not self.sweep.rerun_finished and _adoptable(member):
            self.outcomes[member.name] = Outcome(member, MemberStatus.SKIPPED)  # that process finished it: adopted
            _mark_finished(member)
            logger.info(f"↷ {member.name}: finished by the earlier command's process, skipped")
            return Readiness.DROP
        logger.info(f"▶ member {member.name}")
        return Readiness.START

    def finished(self, job: Job, result: Result) -> bool:
        """Where a member is accepted as ended (done or failed), or handed back to wait for the
        other command that took its folder first."""
        ok, error, log = result
        member = job.member
        if not ok and _still_running_elsewhere(member, self.waiting):
            return False
        outcome = Outcome(member, MemberStatus.DONE if ok else MemberStatus.FAILED, job.seconds, error, log)
        self.outcomes[member.name] = outcome
        if ok:
            _mark_finished(member)
            logger.info(f"✓ member {member.name} in {outcome.seconds:.1f} s")
        else:
            logger.error(f"✗ member {member.name} failed: {error}")
        return True

    def stopped(self, unfinished: list[Job], error: BaseException) -> None:
        if not isinstance(error, KeyboardInterrupt):
            return
        if self.parent is not None:
            self.parent.finish("KILLED", members=len(self.sweep.members))
        raise RunInterrupted(f"interrupted: sweep {self.sweep.base} was stopped (Ctrl-C); unfinished members: "
                             + ", ".join(m.name for m in [*(j.member for j in unfinished if j.handle is None),
                                                          *self.todo,
                                                          *(j.member for j in unfinished if j.handle is not None)])
                             + ".",
                             hint="Run the same command again: finished members are skipped, and each"
                                  " unfinished one resumes after its last finished task.") from None


def _where_logs_are(failed: list[Outcome]) -> str:
    """Where to read why members failed: the logs that exist, else the error each one printed
    (a member refused before it opened its folder wrote no log)."""
    logs = [o.member.folder / "logs" / "run.log" for o in failed]
    present = [str(log) for log in logs if log.is_file()]
    if len(present) == len(logs):
        return "Logs: " + ", ".join(present) + "."
    errors = [f"{o.member.name}: {o.error.splitlines()[0]}" for o, log in zip(failed, logs)
              if not log.is_file() and o.error]
    return (("Logs: " + ", ".join(present) + ". " if present else "")
            + "Without a log (they stopped before opening their folder): "
            + "; ".join(errors or [o.member.name for o in failed]) + ".")


def _start_parent_run(sweep: Sweep):
    """The sweep's MLflow parent run when tracking is on (mlflow imported only then), else None."""
    if not sweep.tracking_uri:
        return None
    from ..tracking.sweep_tracker import start_sweep_run

    return start_sweep_run(sweep.tracking_uri, project=sweep.project, name=sweep.base, project_dir=sweep.project_dir,
                           axes={a.key: a.values for a in sweep.axes}, command=sweep.command)


def _child_of(member: Member, parent) -> Member:
    """The member, told its parent run (it becomes a child run of the sweep's)."""
    if parent is None:
        return member
    return dataclasses.replace(member, options=member.options.replace(track_parent=parent.run_id))


def _still_running_elsewhere(member: Member, waiting: set[str]) -> bool:
    """The member's folder is held by a live run of another command (a member of a killed sweep that
    has not ended yet, or a second sweep): wait for it rather than be refused, or run it twice."""
    from ..experiment.lock import lock_holder

    holder = lock_holder(member.folder) if member.folder.is_dir() else None
    if holder is None:
        return False
    if member.name not in waiting:
        waiting.add(member.name)
        logger.info(f"… {member.name}: waiting for the run that holds it (pid {holder}) to end")
    return True


def finished(member: Member) -> bool:
    """The member ran to the end, from the same command and config files as now, and its own cache
    still holds every task: the code and data its tasks' keys cover are unchanged too (the command
    and the files alone would skip a member whose task code or data was edited since)."""
    run = read_json(member.folder / "run.json", None) or {}
    marker = read_json(member.folder / MARKER, None) or {}
    return run.get("status") == RunStatus.DONE and marker.get("inputs") == member.inputs and _all_cached(member)


def _adoptable(member: Member) -> bool:
    """A member another command's process just finished: its run ended done and today's plan takes
    every task from its cache (bindings, code and data as now). The earlier command writes the
    member's marker only after its process ends, so the marker cannot be waited on here."""
    run = read_json(member.folder / "run.json", None) or {}
    return run.get("status") == RunStatus.DONE and _all_cached(member)


def _all_cached(member: Member) -> bool:
    """The runner's own plan of the member takes every task from its folder's cache."""
    from .member_cache import tasks_to_rerun

    return not tasks_to_rerun(member)


def summary(outcomes: list[Outcome]) -> str:
    width = max(len(o.member.name) for o in outcomes)
    lines = []
    for o in outcomes:
        detail = ("finished earlier" if o.status == MemberStatus.SKIPPED else f"{o.seconds:.1f} s"
                  + (f"  {o.error.splitlines()[0]}" if o.error else ""))
        lines.append(f"{o.status:<8} {o.member.name:<{width}}  {detail}")
    return "\n".join(lines)


def _mark_finished(member: Member) -> None:
    if (member.folder / "run.json").is_file():
        write_json(member.folder / MARKER, {"name": member.name, "mods": member.mods, "argv": member.argv,
                                            "inputs": member.inputs}, durable=False)
