"""A new study's objective, against the metrics its task list declares it will produce.

When every task of the list declares what it makes (`runs/task_metrics`), an objective outside the
union can never have a value, so a typo (`--objective val_acuracy`) is refused before the first trial,
in a fresh project too, with no evidence yet (`objective.check_made_by_siblings` needs a finished
experiment). The tasks are imported here, in the parent, as the warm launcher imports them anyway;
a list with a task that declares nothing (a custom one) leaves the first trial to tell.
"""
from __future__ import annotations

from ..errors import did_you_mean
from ..runs.prepare import prepare, run_scope
from ..runs.task_metrics import all_decorated, declared_by
from ..sweeps.validate import Check
from .objective import MissingMetric
from .study_plan import StudyPlan

__all__ = ["check_declared_metrics"]


def check_declared_metrics(plan: StudyPlan, trial: Check) -> None:
    """Raise `MissingMetric` when `trial`'s task list declares its metrics and the objective is not one.

    A study that has a storage already is judged by its trials instead (`execute._check_objective`)."""
    if (plan.folder / "study.db").exists():
        return
    with run_scope():
        prepared = prepare(trial.options, trial.composition)
        if prepared.registry is None or not all_decorated(prepared.tasks, prepared.selectors,
                                                          prepared.registry.signatures):
            return  # a task declares nothing: the first trial tells, and nothing is imported for it
        prepared.bind()
        made = declared_by(prepared.tasks, prepared.selectors)
    if made is None or plan.objective.metric in made:
        return
    names = sorted(made)
    raise MissingMetric(
        f"The objective `{plan.objective.metric}` is not a metric the runs produce: their tasks declare"
        f" {', '.join(names) if names else 'no metric'}.{did_you_mean(plan.objective.metric, names)}",
        hint=_hint(plan, names))


def _hint(plan: StudyPlan, names: list[str]) -> str:
    close = did_you_mean(plan.objective.metric, names).split("`")
    best = close[1] if len(close) > 1 else (names[0] if names else None)
    if best is None or not plan.options.command:
        return "Pass --objective with a metric a task makes (and --direction max or min)."
    import shlex

    from ..runs.options import command_line

    words = shlex.split(plan.options.command)
    if "--objective" in words:
        words[words.index("--objective") + 1] = best
    else:
        words += ["--objective", best]
    if "--direction" not in words:
        words += ["--direction", plan.objective.short]
    return f"Pass --objective with one of those (and --direction max or min), e.g.\n    {command_line(words)}"
