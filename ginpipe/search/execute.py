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
from typing import TYPE_CHECKING, Any

from ..errors import ExperimentError, GinpipeError, RunInterrupted, did_you_mean
from ..files import read_json, write_json
from ..log import logger
from ..sweeps.plan import Member
from .objective import MissingMetric, trial_value
from .plan import StudyPlan
from .stale_trials import refuse_stale_trials
from .records import check_records, check_storage_file, recorded_trials

if TYPE_CHECKING:
    import optuna

from .study import SURPLUS_ATTR, WORKER_ATTR, asking, counts, fail_dead_trials, open_study, worker_identity

__all__ = ["run_study", "StudyError", "TRIAL_RECORD", "MAX_FAILURES"]

TRIAL_RECORD = "trial.json"  # in each trial's folder: number, state, value, params (read by compare)
MAX_FAILURES = 5
# The storage is read again after each change of ours, else at this pace (other commands' progress):
# reading it on every poll costs a database query that competes with the trials for the CPU.
_RECOUNT_S = 5.0


class StudyError(GinpipeError):
    """The study could not go on (trials kept failing); the message says why."""


@dataclass
class _Running:
    trial: optuna.trial.Trial  # as asked
    number: int
    member: Member
    handle: Any = None  # the launcher's (poll, cancel); None while the start gate holds it back
    started: float = 0.0
    params: dict = field(default_factory=dict)


def run_study(plan: StudyPlan, launcher, poll_s: float = 0.2):
    """Run trials until the study has `plan.trials` finished ones; return the optuna study."""
    from optuna.trial import TrialState

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
    mine: dict[int, _Running] = {}
    gate = None
    failures_in_a_row, last_error = 0, ""
    tally, counted = None, 0.0
    try:
        while True:
            if tally is None or time.monotonic() - counted > _RECOUNT_S:
                tally, counted = counts(study), time.monotonic()
            finished = tally["complete"] + tally["pruned"]
            others = tally["running"] - len(mine)  # other commands' trials
            if not mine and finished + others >= plan.trials:
                if finished >= plan.trials or not fail_dead_trials(study):
                    break  # done, or the rest is running elsewhere
                tally = None
                continue
            if failures_in_a_row >= MAX_FAILURES and not mine:
                raise StudyError(f"{failures_in_a_row} trials in a row failed; the study stops. The last error:"
                                 f" {last_error}", hint=f"Each trial's log is in {plan.folder}/trial-*/logs/run.log."
                                 " Fix the cause and run the same command again: the study continues.")
            held = [r for r in mine.values() if r.handle is None]  # asked, not started (the gate)
            if (failures_in_a_row < MAX_FAILURES and finished + tally["running"] < plan.trials
                    and len(mine) < launcher.capacity and len(held) < 1 + (gate is not None)):
                entry, tally = _ask(study, plan), None
                if entry is not None:
                    mine[entry.number] = entry
                    if launcher.capacity > 1:
                        if gate is None:
                            from ..sweeps.gate import StartGate
                            gate = StartGate([])
                        gate.add(entry.member)
                    continue  # ask again before sleeping, while there is room
            released = {m.name for m in gate.released()} if gate else None
            for entry in [r for r in mine.values() if r.handle is None]:
                if sum(r.handle is not None for r in mine.values()) >= launcher.capacity:
                    break
                if released is None or entry.member.name in released:
                    logger.info(f"▶ {entry.member.name}  " + "  ".join(entry.member.mods))
                    entry.handle, entry.started = launcher.start(entry.member), time.perf_counter()
            for number, entry in list(mine.items()):
                result = entry.handle.poll() if entry.handle is not None else None
                if result is None:
                    continue
                del mine[number]
                tally = None  # recount after a trial ended
                if gate:
                    gate.finished(entry.member)
                state, error = _tell(study, plan, entry, result)
                if state == TrialState.FAIL:
                    failures_in_a_row, last_error = failures_in_a_row + 1, error
                else:
                    failures_in_a_row = 0
            time.sleep(poll_s)
    except KeyboardInterrupt:
        for entry in mine.values():
            if entry.handle is not None:
                entry.handle.cancel()
            _fail(study, plan, entry, "interrupted (Ctrl-C)", retry=True)
        raise RunInterrupted(f"interrupted: study {plan.settings.name} was stopped (Ctrl-C); its running trials"
                             " are marked failed and queued again.",
                             hint="Run the same command again: the study continues to its --trials.") from None
    except BaseException:
        for entry in mine.values():  # a MissingMetric, a lost database: leave no trial RUNNING behind
            if entry.handle is not None:
                entry.handle.cancel()
            _fail(study, plan, entry, "stopped: the study's command failed", retry=True)
        raise
    return study


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
    from optuna.trial import TrialState

    for frozen in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        made = set(frozen.user_attrs.get("metrics", {})) | {frozen.user_attrs.get("reported_metric")} - {None}
        if made and plan.objective.metric not in made:
            names = sorted(made)
            raise MissingMetric(
                f"The objective `{plan.objective.metric}` is not a metric the runs produce: trial-{frozen.number:04d}"
                f" made {', '.join(names)}.{did_you_mean(plan.objective.metric, names)}",
                hint="Pass --objective with one of those (and --direction max or min), or give the new"
                     " objective a study of its own (--experiment-name NAME).")
        return


def _ask(study, plan: StudyPlan) -> _Running | None:
    from optuna.trial import TrialState

    with asking(study):
        trial = study.ask()
        trial.set_user_attr(WORKER_ATTR, worker_identity())
    before = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED,
                                                                   TrialState.RUNNING))
              if t.number < trial.number]
    if len(before) >= plan.trials:  # another command asked at the same moment: the study is full
        trial.set_user_attr(SURPLUS_ATTR, True)
        study.tell(trial, state=TrialState.FAIL)
        return None
    mods = [f"{p.key}={p.suggest(trial)}" for p in plan.params]
    member = plan.member(trial.number, trial._trial_id, mods)
    return _Running(trial, trial.number, member, params=dict(trial.params))


def _tell(study, plan: StudyPlan, entry: _Running, result) -> tuple[object, str]:
    """Tell the study how the trial ended; its state and error."""
    from optuna.trial import TrialState

    ok, error, _log = result
    number, folder = entry.number, entry.member.folder
    run = read_json(folder / "run.json", None) or {}
    if run.get("status") == "pruned":
        study.tell(entry.trial, state=TrialState.PRUNED)
        frozen = study.get_trials(deepcopy=False)[number]
        _record(entry.member, number, "pruned", frozen.value, entry.params)
        logger.info(f"✂ {entry.member.name} pruned after step {frozen.last_step}")
        return TrialState.PRUNED, ""
    if not ok:
        _fail(study, plan, entry, error)
        logger.error(f"✗ {entry.member.name} failed: {error}")
        return TrialState.FAIL, error
    def reports_of(n: int) -> tuple[dict, str | None]:
        frozen = study.get_trials(deepcopy=False)[n]
        return frozen.intermediate_values, frozen.user_attrs.get("reported_metric")

    try:
        value, metrics = trial_value(folder, plan.objective, number, reports_of)
    except MissingMetric as e:
        _fail(study, plan, entry, e.message)
        if not counts(study)["complete"]:
            raise  # the first trial says the objective is wrong: stop before running more
        logger.error(f"✗ {entry.member.name}: {e.message}")
        return TrialState.FAIL, e.message
    entry.trial.set_user_attr("metrics", metrics)
    study.tell(entry.trial, value)
    _record(entry.member, number, "complete", value, entry.params)
    logger.info(f"✓ {entry.member.name}  {plan.objective.metric} = {value:.6g}"
                f" in {time.perf_counter() - entry.started:.1f} s")
    return TrialState.COMPLETE, ""


def _fail(study, plan: StudyPlan, entry: _Running, error: str, retry: bool = False) -> None:
    from optuna.trial import TrialState

    entry.trial.set_user_attr("error", error)
    study.tell(entry.trial, state=TrialState.FAIL)
    if retry:
        study.enqueue_trial(entry.params, user_attrs={"ginpipe_retry_of": entry.number})
    _record(entry.member, entry.number, "failed", None, entry.params, error)


def _record(member: Member, number: int, state: str, value, params: dict, error: str = "") -> None:
    """trial.json: how the trial ended, beside its run.json (written after the run: a run refuses to open
    a folder that holds files it did not write)."""
    member.folder.mkdir(parents=True, exist_ok=True)
    write_json(member.folder / TRIAL_RECORD, {"number": number, "state": state, "value": value,
                                              "params": params, "mods": member.mods,
                                              **({"error": error} if error else {})}, durable=False)
