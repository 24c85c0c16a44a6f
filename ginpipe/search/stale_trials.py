"""A study's finished trials against the code and data as they are now.

A sweep reruns a finished member whose tasks are no longer all cached (an edited task or helper,
changed data); a study cannot do that with a trial: optuna keeps a finished trial's value for good,
and that value would go on counting towards `--trials` and deciding the study's best. So before a
study is resumed or extended, each finished trial whose folder this machine holds is planned by the
runner as it would be rerun now; when one of them would not take every task from its own cache, the
study is refused, naming the trials and what changed, with the command that starts a fresh study
(under another name) of the code as it is now. Nothing is written before that.
"""
from __future__ import annotations

import shlex

from ..errors import ExperimentError
from ..experiment.statuses import RunStatus
from ..files import read_json
from ..runs.options import command_line
from ..sweeps.member_cache import tasks_to_rerun
from ..sweeps.sweep_plan import Member
from .optuna_internals import trial_id

__all__ = ["StaleTrials", "refuse_stale_trials"]


class StaleTrials(ExperimentError):
    """Finished trials of a study were made by code or data that changed since."""


def refuse_stale_trials(study, plan) -> None:
    """Raise `StaleTrials` when a complete trial of `study` would not be taken from its cache now."""
    from optuna.trial import TrialState

    stale: dict[str, list[str]] = {}
    for frozen in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        member = _member(plan, frozen)
        if member is None:
            continue
        rerun = tasks_to_rerun(member)
        if rerun:  # the first task that reruns says what changed (the later ones rerun after it)
            stale[member.name] = rerun[:1]
    if not stale:
        return
    names = sorted(stale)
    why = sorted({reason for reasons in stale.values() for reason in reasons})
    raise StaleTrials(
        f"Study {plan.settings.name}: {len(names)} finished trial(s) were made by code or data that changed"
        f" since: {', '.join(names)} ({'; '.join(why)}). Their values would still count, and decide the"
        " study's best.",
        hint=f"Start a fresh study of the code as it is now: {fresh_command(plan)} (or undo the change to"
             " extend this study).")


def _member(plan, frozen) -> Member | None:
    """The finished trial as the sweep member that ran it, when its folder here says it ran to the end
    (a trial another machine ran on a shared storage has no folder here: nothing to check)."""
    from optuna.trial import FixedTrial

    member = plan.member(frozen.number, trial_id(frozen), [])
    if (read_json(member.folder / "run.json", None) or {}).get("status") != RunStatus.DONE:
        return None
    record = read_json(member.folder / "trial.json", None) or {}
    mods = record.get("mods")
    if not isinstance(mods, list):
        fixed = FixedTrial(frozen.params)
        mods = [f"{p.key}={p.suggest(fixed)}" for p in plan.params]
    return plan.member(frozen.number, trial_id(frozen), [str(m) for m in mods])


def fresh_command(plan) -> str:
    """The command that made this study, with a folder name no study uses yet."""
    flag = "--output-dir" if plan.options.output_dir else "--experiment-name"
    name = plan.folder.name
    number = 2
    while (plan.folder.parent / f"{name}-{number}").exists():
        number += 1
    new = str(plan.folder.parent / f"{name}-{number}") if plan.options.output_dir else f"{name}-{number}"
    words = shlex.split(plan.options.command or "ginpipe")
    for i, word in enumerate(words):
        if word in (flag, flag.replace("-", "_").replace("__", "--")) and i + 1 < len(words):
            words[i + 1] = new
            break
        if word.startswith(flag + "="):
            words[i] = f"{flag}={new}"
            break
    else:
        words += [flag, new]
    return command_line(words)
