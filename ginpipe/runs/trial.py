"""The run side of a search trial: a run started for a trial of a study reports to that study.

`ginpipe.search` starts each trial as a plain run whose `RunOptions.trial` names the study's
storage, the study and the trial (`TrialLink`, as JSON). While that run executes, the link sits in
the environment (`GINPIPE_TRIAL`), so a task learns it is a trial through `ginpipe.io.in_trial()`,
and so do the processes the task starts (DDP ranks). `report_trial(metric, value, step)` records an
intermediate value in the study and raises `TrialPruned` when the study's pruner stops the trial;
the runner then ends the run as "pruned" in run.json.

optuna is imported only here, and only in a trial's process when a task reports.
"""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ..environ import variable_set
from ..errors import GinpipeError
from .study_storage import open_storage

if TYPE_CHECKING:
    import optuna

__all__ = ["TrialLink", "TrialPruned", "in_trial", "report_trial", "trial_environment", "current_trial",
           "open_storage", "make_pruner"]

_VARIABLE = "GINPIPE_TRIAL"


@dataclass(frozen=True)
class TrialLink:
    """Which trial of which study a run is."""

    storage: str  # an optuna storage URL (sqlite:///..., postgresql://..., a journal file)
    study: str  # the study's name in that storage
    trial_id: int  # optuna's id of the trial (unique in the storage)
    number: int  # the trial's number in the study (its folder is trial-<number>)
    pruner: str = "none"  # the study's pruner (optuna keeps none in the storage): none, median, hyperband

    def to_text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> TrialLink:
        return cls(**json.loads(text))


class TrialPruned(GinpipeError):
    """The study's pruner stopped this trial: its intermediate values were not promising."""


def current_trial() -> TrialLink | None:
    text = os.environ.get(_VARIABLE)
    return TrialLink.from_text(text) if text else None


def in_trial() -> bool:
    """True in a run that is a trial of a search (`ginpipe CONFIG... --trials N`)."""
    return bool(os.environ.get(_VARIABLE))


def trial_environment(link_text: str | None) -> contextlib.AbstractContextManager[None]:
    """Put the run's trial link in the environment while it runs (nothing when it is no trial)."""
    return variable_set(_VARIABLE, link_text)


def make_pruner(name: str):
    """The optuna pruner `--pruner NAME` stands for, in the study's command and in each trial alike."""
    import optuna.pruners as P

    if name == "median":
        # after two finished trials: a study of a dozen trials would otherwise barely prune
        return P.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if name == "hyperband":
        return P.HyperbandPruner(min_resource=1, reduction_factor=3)
    return P.NopPruner()


_trials: dict[str, optuna.trial.Trial] = {}  # the optuna Trial of this process, opened once


def report_trial(metric: str, value: float, step: int) -> None:
    """Record `value` of `metric` at `step` (an epoch) in the study; raise `TrialPruned` when the
    study's pruner says this trial should stop. Does nothing outside a trial.

    Example (a Lightning callback, after each validation epoch):
        >>> report_trial("val_accuracy", 0.71, step=3)  # doctest: +SKIP
    """
    link = current_trial()
    if link is None:
        return
    trial = _trials.get(link.to_text())
    if trial is None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name=link.study, storage=open_storage(link.storage),
                                  pruner=make_pruner(link.pruner))
        trial = _trials[link.to_text()] = optuna.trial.Trial(study, link.trial_id)
        trial.set_user_attr("reported_metric", metric)
    try:
        trial.report(float(value), int(step))
    except RuntimeError:  # optuna refuses reports to a finished trial
        raise GinpipeError(f"Trial {link.number} was marked finished in its study while this run went on (its"
                           " study's command died, and a rerun failed the trial and queued it again).",
                           hint="Nothing to do: the study retries it as a new trial.") from None
    if trial.should_prune():
        raise TrialPruned(f"Trial {link.number} was pruned at step {step}: {metric} = {value:.4g} is not"
                          " promising next to the study's other trials.",
                          hint="Pruned trials count as finished; the study goes on without it.")
