"""`ginpipe.runs.dry_run`: the composed config and the plan, printed; nothing written, nothing run."""
import pytest

from ginpipe.errors import ExperimentError
from ginpipe.runs.dry_run import print_dry_run
from ginpipe.runs.options import RunOptions


def _plan(capsys) -> list[str]:
    out = capsys.readouterr().out
    assert out.startswith("# Composed config\n")
    return out[out.index("# Plan for"):].splitlines()


def test_a_new_experiment_plans_every_task_to_run_and_writes_nothing(project, capsys):
    before = sorted(p.relative_to(project.root) for p in project.root.rglob("*"))
    print_dry_run(RunOptions(("base.gin",), experiment_name="e"))
    assert _plan(capsys) == ["# Plan for experiments/my_project/e (new experiment)",
                             "  run     01-set_seed  (never ran)", "  run     02-load  (never ran)",
                             "  run     03-double  (never ran)", "  run     04-total  (never ran)"]
    assert sorted(p.relative_to(project.root) for p in project.root.rglob("*")) == before
    assert project.calls() == []


def test_after_a_run_the_plan_says_cached_and_why_a_changed_task_runs(project, capsys):
    project.run("base.gin")
    capsys.readouterr()
    print_dry_run(RunOptions(("base.gin",), mods=("N=6",), experiment_name="e", resume=True))
    assert _plan(capsys) == ["# Plan for experiments/my_project/e",
                             "  cached  01-set_seed", "  run     02-load  (inputs changed: load.n: 10 -> 12)",
                             "  run     03-double  (inputs changed: `data` changed (02-load reruns))",
                             "  run     04-total  (inputs changed: `data2` changed (03-double reruns))"]


def test_it_fails_exactly_when_the_run_would(project, capsys):
    project.run("base.gin")
    with pytest.raises(ExperimentError,
                       match=r"^Experiment experiments/my_project/e already exists with a different config:"):
        print_dry_run(RunOptions(("base.gin",), mods=("N=6",), experiment_name="e"))
