"""A study's finished trials made by code that changed since are never counted silently (issue 22):
extending or resuming the study is refused, naming the trials and what changed, with a command that
starts a fresh study as printed; an unchanged study extends as before."""
from __future__ import annotations

import shlex

import pytest

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

STUDY = "experiments/my_project/s"
ARGS = ["base.gin", "--search", "quadratic.layers=choice(2, 4, 6)", "--sampler", "grid", "--seed", "1",
        "--objective", "loss", "--direction", "min", "--experiment-name", "s", "-q"]


def _trials(project, name="s"):
    storage = f"sqlite:///{project.root / 'experiments/my_project' / name / 'study.db'}"
    return optuna.load_study(study_name=f"my_project/{name}", storage=storage).get_trials()


def test_a_study_extended_after_its_task_code_changed_is_refused_naming_the_trials(project):
    project.cli(*ARGS, "--trials", "2", check=True)
    project.cli(*ARGS, "--trials", "2", check=True)  # unchanged: nothing to refuse, nothing runs
    assert project.calls().count("quadratic") == 2
    steps = project.root / "tasks/steps.py"
    steps.write_text(steps.read_text().replace("(layers - 6) ** 2 / 100", "(layers - 6) ** 2 / 50"))
    db = project.root / STUDY / "study.db"
    before = db.read_bytes()
    done = project.cli(*ARGS, "--trials", "3")
    assert done.returncode == 2, done.stderr
    first, hint = done.stderr.splitlines()
    assert first.startswith("error: Study my_project/s: 2 finished trial(s) were made by code or data that changed"
                            " since: trial-0000, trial-0001 (03-quadratic: inputs changed: "), first
    assert first.endswith("). Their values would still count, and decide the study's best.")
    fresh = hint.split("Start a fresh study of the code as it is now: ", 1)[1].split(" (or undo", 1)[0]
    assert shlex.split(fresh) == ["ginpipe", *ARGS[:-2], "s-2", "-q", "--trials", "3"]
    assert db.read_bytes() == before and project.calls().count("quadratic") == 2
    again = project.cli(*shlex.split(fresh)[1:])  # the printed command works as printed
    assert again.returncode == 0, again.stderr
    assert [t.state.name for t in _trials(project, "s-2")] == ["COMPLETE"] * 3
    assert _trials(project, "s-2")[0].value == pytest.approx(0.09 + 16 / 50)  # the edited code's value
