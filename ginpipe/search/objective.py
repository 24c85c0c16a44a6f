"""What a study optimises: a metric of each trial and a direction, and a finished trial's value.

By default the metric `fit_model` monitors (`fit_model.monitor`, `fit_model.mode`), judged by its best
epoch, which is what the trial's best checkpoint holds; `--objective METRIC --direction max|min` takes
any final metric instead (the state key `metrics` or metrics.json, what `ginpipe compare` shows). A
trial's value is its final metric when it has one, else the best value the trial reported per epoch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config.text.composition import Composition
from ..errors import ConfigError, did_you_mean
from ..experiment.statuses import RunStatus
from ..tools.finished import final_metrics, read_record

__all__ = ["Objective", "choose_objective", "trial_value", "MissingMetric", "check_made_by_siblings"]

_TRIAL_NAME = re.compile(r"trial-\d+")
_TASK_LIST = re.compile(r"^execute_pipeline\.tasks = \\?\s*(\[.*?\])$", re.MULTILINE | re.DOTALL)
_SHORT = {"maximize": "max", "minimize": "min"}


@dataclass(frozen=True)
class Objective:
    metric: str
    direction: str  # "maximize" or "minimize", as optuna spells it

    @property
    def short(self) -> str:
        return "max" if self.direction == "maximize" else "min"


class MissingMetric(ConfigError):
    """A finished trial has no value of the objective's metric."""


def choose_objective(composition: Composition, metric: str | None = None, direction: str | None = None) -> Objective:
    """`--objective`/`--direction`, else what the configs bind to `fit_model.monitor`/`.mode`."""
    bound = {b.arg: b.value for b in composition.bindings
             if not b.scope and b.selector.rsplit(".", 1)[-1] == "fit_model" and b.arg in ("monitor", "mode")}
    if metric is None:
        monitor = bound.get("monitor")
        if not isinstance(monitor, str):
            raise ConfigError("A search needs an objective, and no config binds `fit_model.monitor`.",
                              hint="Name the metric a trial is judged by: --objective METRIC --direction max"
                                   " (or min), e.g. --objective val_accuracy --direction max.")
        metric = monitor
        if direction is None:
            mode = bound.get("mode", "max")
            direction = mode if isinstance(mode, str) else None
    if direction is not None:
        direction = _SHORT.get(direction, direction)  # optuna's words (and fit_model.mode's) as well
    if direction not in ("max", "min"):
        raise ConfigError(f"--objective {metric} needs --direction max or min.",
                          hint=f"E.g. --objective {metric} --direction max.")
    return Objective(metric, "maximize" if direction == "max" else "minimize")


def check_made_by_siblings(objective: Objective, config_text: str, project_folder: Path,
                           reported: str | None = None) -> None:
    """Before the first trial of a new study: a finished experiment of the project that ran the same
    task list tells which metrics the trials will make (its final metrics, and `reported`, the metric
    the training reports each epoch); an objective outside them is refused now, not after a trial.
    With no such experiment nothing is known yet, and the first trial tells (`trial_value`)."""
    tasks = _task_list(config_text)
    if tasks is None or not project_folder.is_dir():
        return
    for folder in sorted(p for p in project_folder.iterdir() if (p / "config.gin").is_file()):
        if (read_record(folder / "run.json") or {}).get("status") != RunStatus.DONE:
            continue
        if _task_list((folder / "config.gin").read_text(errors="replace")) != tasks:
            continue
        made = set(final_metrics(folder)) | ({reported} if reported else set())
        if not made - {reported}:
            continue  # it recorded no final metric: no evidence
        if objective.metric in made:
            return
        names = sorted(made)
        raise MissingMetric(
            f"The objective `{objective.metric}` is not a metric the runs produce: {folder.name}, an experiment of"
            f" the same tasks, made {', '.join(names)}.{did_you_mean(objective.metric, names)}",
            hint="Pass --objective with one of those (and --direction max or min), or make a task write it"
                 " (the state key `metrics`, or metrics.json).")


def _task_list(config_text: str) -> str | None:
    found = _TASK_LIST.search(config_text)
    return " ".join(found[1].split()) if found else None


def trial_value(folder: Path, objective: Objective, number: int, reports_of: Callable[[int], tuple[dict, str | None]]
                ) -> tuple[float, dict[str, float]]:
    """The value of finished trial `number` (and its final metrics); `MissingMetric` when it has none.

    `reports_of(n)` gives trial n's reported values (step -> value) and the metric it reported. A
    trial whose training came from another trial's cache (the same configuration) reported nothing:
    it has the value of the trial it took the training from, named in its run.json.
    """
    metrics = final_metrics(folder) if (folder / "config.gin").is_file() else {}
    if objective.metric in metrics:
        return metrics[objective.metric], metrics
    best = max if objective.direction == "maximize" else min
    run = read_record(folder / "run.json") or {}
    sources = [number] + [int(t["from"][len("trial-"):]) for t in reversed(run.get("tasks") or [])
                          if _TRIAL_NAME.fullmatch(str(t.get("from", "")))]
    reported_metric = None
    for source in dict.fromkeys(sources):
        reported, metric = reports_of(source)
        reported_metric = reported_metric or metric
        if reported and metric == objective.metric:
            return best(reported.values()), metrics
    known = sorted(set(metrics) | ({reported_metric} if reported_metric else set()))
    raise MissingMetric(
        f"The objective `{objective.metric}` is not a metric the runs produce: {folder.name} made "
        + (", ".join(known) if known else "no metric") + "." + did_you_mean(objective.metric, known),
        hint="Pass --objective with one of those (and --direction max or min), or make a task write it"
             " (the state key `metrics`, or metrics.json).")
