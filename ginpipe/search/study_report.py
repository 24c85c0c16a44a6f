"""A study's summary: printed at the end, and written as `study.json` in the study's folder.

It names the best trial, its folder and the command that reruns it, and lists every trial (number,
state, value, parameters, error); `--plot` adds optuna's matplotlib figures beside it.
"""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from ..experiment.statuses import TrialState
from ..files import atomic_write, read_json, write_json
from ..runs.options import command_line
from .study import SURPLUS_ATTR, redact, state_of
from .study_plan import StudyPlan

__all__ = ["study_record", "write_summary", "describe", "write_plots", "STUDY_RECORD"]

STUDY_RECORD = "study.json"


def study_record(study, plan: StudyPlan) -> dict:
    """What study.json holds."""
    from optuna.trial import TrialState as Told

    trials = []
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get(SURPLUS_ATTR):
            continue
        trials.append({"number": t.number, "state": state_of(t), "value": t.value,
                       "params": t.params, "folder": str(plan.folder / f"trial-{t.number:04d}"),
                       **({"error": t.user_attrs["error"]} if "error" in t.user_attrs else {})})
    record = {"study": plan.settings.name, "storage": redact(plan.settings.storage),
              "objective": plan.objective.metric, "direction": plan.objective.direction,
              "sampler": plan.settings.sampler, "pruner": plan.settings.pruner, "target_trials": plan.trials,
              "trials": trials, "best": None}
    complete = [t for t in study.get_trials(deepcopy=False, states=(Told.COMPLETE,))]
    if complete:
        best = study.best_trial
        folder = plan.folder / f"trial-{best.number:04d}"
        run = read_json(folder / "run.json", None) or {}
        record["best"] = {"number": best.number, "value": best.value, "params": best.params,
                          "folder": str(folder), "command": run.get("command"),
                          "reproduce": command_line(["ginpipe", "reproduce", str(folder)])}
    return record


def write_summary(study, plan: StudyPlan) -> dict:
    record = study_record(study, plan)
    write_json(plan.folder / STUDY_RECORD, record)
    return record


def describe(record: dict, plan: StudyPlan) -> str:
    """The lines a study ends with."""
    states = [t["state"] for t in record["trials"]]
    tally = ", ".join(f"{states.count(s)} {s}" for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED,
                                                                             TrialState.RUNNING) if states.count(s))
    lines = [f"Study {record['study']}: {len(states)} trials ({tally or 'none'}) in {plan.folder}"]
    best = record["best"]
    if best:
        lines += [f"best: trial-{best['number']:04d}  {record['objective']} = {best['value']:.6g}"
                  f" ({plan.objective.short})",
                  "    " + "  ".join(f"{k}={v}" for k, v in best["params"].items())]
        if best["command"]:
            lines.append(f"rerun it:   {best['command']}")
        lines.append(f"reproduce:  {best['reproduce']}")
    lines.append(f"compare:    {command_line(['ginpipe', 'compare', str(plan.folder)])}")
    storage = record["storage"]
    lines.append(f"dashboard:  optuna-dashboard {shlex.quote(storage)}   (pip install optuna-dashboard)")
    return "\n".join(lines)


def write_plots(study, folder: Path) -> list[Path]:
    """Optimisation history, parameter importances and parallel coordinates, as PNGs in `folder`.

    A figure optuna cannot draw yet (importances need two complete trials) is left out.
    """
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as views

    written = []
    for name, draw in (("optimization_history", views.plot_optimization_history),
                       ("param_importances", views.plot_param_importances),
                       ("parallel_coordinate", views.plot_parallel_coordinate)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # optuna marks its matplotlib views "experimental"
                axes: Any = draw(study)  # one Axes, or an array of them (a figure of several)
        except (ValueError, RuntimeError, ZeroDivisionError):
            continue
        figure = axes.figure if hasattr(axes, "figure") else axes.flat[0].figure
        figure.set_size_inches(8, 5)
        figure.tight_layout()
        path = folder / f"{name}.png"
        atomic_write(path, lambda f, figure=figure: figure.savefig(f, format="png", dpi=110))
        plt.close(figure)
        written.append(path)
    return written
