"""Running a study: ask optuna for trials, start each as a run through a sweep launcher, tell the result.

The command keeps up to `launcher.capacity` trials going until the study holds `plan.trials`
finished ones (complete or pruned), counting what other commands on the same study finished or are
running. With room for several trials, the sweeps' start gate holds a trial back until those before
it made the tasks they share, so loading and features run once for the whole study. A trial that
fails is recorded (its error in the study, `trial.json` in its folder) and the study goes on; after
`MAX_FAILURES` failures in a row the command stops. Ctrl-C stops the running trials, marks them
failed and queues them again: the same command resumes the study.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ExperimentError, GinpipeError, RunInterrupted, did_you_mean
from ..experiment.statuses import RunStatus, TrialState
from ..files import read_json, write_json
from ..log import logger
from ..sweeps.sweep_plan import Member
from ..sweeps.scheduler import Job, Launcher, Readiness, Result, schedule
from .objective import MissingMetric, trial_value
from .optuna_internals import trial_id
from .study_plan import StudyPlan
from .records import check_records, check_storage_file, recorded_trials
from .stale_trials import refuse_stale_trials
from .study import SURPLUS_ATTR, WORKER_ATTR, asking, counts, fail_dead_trials, open_study, worker_identity

if TYPE_CHECKING:
    import optuna

__all__ = ["run_study", "StudyError", "TRIAL_RECORD", "MAX_FAILURES"]

TRIAL_RECORD = "trial.json"  # in each trial's folder: number, state, value, params (read by compare)
MAX_FAILURES = 5
# The storage is read again after each change of ours, else at this pace (other commands' progress):
# reading it on every poll costs a database query that competes with the trials for the CPU.
_RECOUNT_S = 5.0


class StudyError(GinpipeError):
    """The study could not go on (trials kept failing); the message says why."""


@dataclass
class _Asked:
    """A trial optuna gave this command: the scheduler's `Job.data`."""
    trial: optuna.trial.Trial  # as asked
    number: int
    params: dict = field(default_factory=dict)


def run_study(plan: StudyPlan, launcher: Launcher, poll_s: float = 0.2):
    """Run trials until the study has `plan.trials` finished ones; return the optuna study."""
    if (plan.folder / "config.gin").is_file():
        raise ExperimentError(f"{plan.folder} is an experiment, not a study: a study's folder holds its trials.",
                              hint="Give the study a name of its own: --experiment-name NAME.")
    recorded = recorded_trials(plan.folder)
    check_storage_file(plan.folder, plan.settings.storage, recorded)
    _check_writable(plan.folder)
    study = open_study(plan.settings, plan.params,
                       check=lambda existing: check_records(plan.folder, plan.settings.storage, recorded, existing))
    fail_dead_trials(study)
    _check_objective(study, plan)
    refuse_stale_trials(study, plan)  # before a finished trial's value counts again
    logger.info(plan.describe())
    schedule(_StudyTrials(study, plan), launcher, poll_s=poll_s)
    return study


class _StudyTrials:
    """The scheduler's job source for a study: trials asked from optuna one at a time, as room opens
    (so each is sampled knowing every result so far), told to optuna as they end."""

    lookahead = 1

    def __init__(self, study, plan: StudyPlan):
        self.study, self.plan = study, plan
        self.failures_in_a_row, self.last_error = 0, ""
        self._tally: dict | None = None
        self._counted = 0.0

    def tally(self) -> dict:
        if self._tally is None or time.monotonic() - self._counted > _RECOUNT_S:
            self._tally, self._counted = counts(self.study), time.monotonic()
        return self._tally

    def exhausted(self) -> bool:
        while True:
            tally = self.tally()
            finished = tally[TrialState.COMPLETE] + tally[TrialState.PRUNED]
            if finished + tally[TrialState.RUNNING] >= self.plan.trials:  # others' trials: none of ours runs
                if finished >= self.plan.trials or not fail_dead_trials(self.study):
                    return True  # done, or the rest is running elsewhere
                self._tally = None
                continue
            if self.failures_in_a_row >= MAX_FAILURES:
                raise StudyError(f"{self.failures_in_a_row} trials in a row failed; the study stops. The last"
                                 f" error: {self.last_error}", hint=f"Each trial's log is in"
                                 f" {self.plan.folder}/trial-*/logs/run.log. Fix the cause and run the same"
                                 " command again: the study continues.")
            return False

    def next_job(self) -> Job | None:
        tally = self.tally()
        counted = sum(tally[s] for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING))
        if self.failures_in_a_row >= MAX_FAILURES or counted >= self.plan.trials:
            return None
        job, self._tally = _ask(self.study, self.plan), None
        return job

    def ready(self, job: Job) -> Readiness:
        logger.info(f"▶ {job.member.name}  " + "  ".join(job.member.mods))
        return Readiness.START

    def finished(self, job: Job, result: Result) -> bool:
        """Where a trial is accepted as finished: told to optuna, recorded in its folder."""
        self._tally = None  # recount after a trial ended
        state, error = _tell(self.study, self.plan, job, result)
        if state == TrialState.FAILED:
            self.failures_in_a_row, self.last_error = self.failures_in_a_row + 1, error
        else:
            self.failures_in_a_row = 0
        return True

    def stopped(self, unfinished: list[Job], error: BaseException) -> None:
        interrupted = isinstance(error, KeyboardInterrupt)
        for job in unfinished:  # a MissingMetric, a lost database: leave no trial RUNNING behind
            _fail(self.study, self.plan, job,
                  "interrupted (Ctrl-C)" if interrupted else "stopped: the study's command failed", retry=True)
        if interrupted:
            raise RunInterrupted(f"interrupted: study {self.plan.settings.name} was stopped (Ctrl-C); its running"
                                 " trials are marked failed and queued again.",
                                 hint="Run the same command again: the study continues to its --trials.") from None


def _check_writable(folder: Path) -> None:
    """The study's folder exists (made here) and can be written: a read-only place is refused up front,
    before the storage or a trial's folder is touched."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".ginpipe-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ExperimentError(f"Cannot write the study folder {folder}: {e.strerror or e}.",
                              hint="Make it writable, or choose a writable place with --output-dir.") from None


def _check_objective(study, plan: StudyPlan) -> None:
    """A study with finished trials tells before any new trial whether the objective is a metric they made."""
    from optuna.trial import TrialState as Told

    for frozen in study.get_trials(deepcopy=False, states=(Told.COMPLETE,)):
        made = set(frozen.user_attrs.get("metrics", {})) | {frozen.user_attrs.get("reported_metric")} - {None}
        if made and plan.objective.metric not in made:
            names = sorted(made)
            raise MissingMetric(
                f"The objective `{plan.objective.metric}` is not a metric the runs produce: trial-{frozen.number:04d}"
                f" made {', '.join(names)}.{did_you_mean(plan.objective.metric, names)}",
                hint="Pass --objective with one of those (and --direction max or min), or give the new"
                     " objective a study of its own (--experiment-name NAME).")
        return


def _ask(study, plan: StudyPlan) -> Job | None:
    from optuna.trial import TrialState as Told

    with asking(study):
        trial = study.ask()
        trial.set_user_attr(WORKER_ATTR, worker_identity())
    before = [t for t in study.get_trials(deepcopy=False, states=(Told.COMPLETE, Told.PRUNED,
                                                                   Told.RUNNING))
              if t.number < trial.number]
    if len(before) >= plan.trials:  # another command asked at the same moment: the study is full
        trial.set_user_attr(SURPLUS_ATTR, True)
        study.tell(trial, state=Told.FAIL)
        return None
    mods = [f"{p.key}={p.suggest(trial)}" for p in plan.params]
    member = plan.member(trial.number, trial_id(trial), mods)
    return Job(member, _Asked(trial, trial.number, dict(trial.params)))


def _tell(study, plan: StudyPlan, job: Job, result) -> tuple[TrialState, str]:
    """Tell the study how the trial ended; its state and error."""
    from optuna.trial import TrialState as Told

    ok, error, _log = result
    number, folder = job.data.number, job.member.folder
    run = read_json(folder / "run.json", None) or {}
    if run.get("status") == RunStatus.PRUNED:
        study.tell(job.data.trial, state=Told.PRUNED)
        frozen = study.get_trials(deepcopy=False)[number]
        _record(job.member, number, TrialState.PRUNED, frozen.value, job.data.params)
        logger.info(f"✂ {job.member.name} pruned after step {frozen.last_step}")
        return TrialState.PRUNED, ""
    if not ok:
        _fail(study, plan, job, error)
        logger.error(f"✗ {job.member.name} failed: {error}")
        return TrialState.FAILED, error
    def reports_of(n: int) -> tuple[dict, str | None]:
        frozen = study.get_trials(deepcopy=False)[n]
        return frozen.intermediate_values, frozen.user_attrs.get("reported_metric")

    try:
        value, metrics = trial_value(folder, plan.objective, number, reports_of)
    except MissingMetric as e:
        _fail(study, plan, job, e.message)
        if not counts(study)[TrialState.COMPLETE]:
            raise  # the first trial says the objective is wrong: stop before running more
        logger.error(f"✗ {job.member.name}: {e.message}")
        return TrialState.FAILED, e.message
    job.data.trial.set_user_attr("metrics", metrics)
    study.tell(job.data.trial, value)
    _record(job.member, number, TrialState.COMPLETE, value, job.data.params)
    logger.info(f"✓ {job.member.name}  {plan.objective.metric} = {value:.6g}"
                f" in {time.perf_counter() - job.started:.1f} s")
    return TrialState.COMPLETE, ""


def _fail(study, plan: StudyPlan, job: Job, error: str, retry: bool = False) -> None:
    from optuna.trial import TrialState as Told

    job.data.trial.set_user_attr("error", error)
    study.tell(job.data.trial, state=Told.FAIL)
    if retry:
        study.enqueue_trial(job.data.params, user_attrs={"ginpipe_retry_of": job.data.number})
    _record(job.member, job.data.number, TrialState.FAILED, None, job.data.params, error)


def _record(member: Member, number: int, state: TrialState, value, params: dict, error: str = "") -> None:
    """trial.json: how the trial ended, beside its run.json (written after the run: a run refuses to open
    a folder that holds files it did not write)."""
    member.folder.mkdir(parents=True, exist_ok=True)
    write_json(member.folder / TRIAL_RECORD, {"number": number, "state": state, "value": value,
                                              "params": params, "mods": member.mods,
                                              **({"error": error} if error else {})}, durable=False)
