"""An objective the task list declares it cannot produce is refused before the first trial, in a fresh
project with no finished experiment to tell (issue 25); a list with a task that declares nothing keeps
the old path (the first trial tells)."""
from __future__ import annotations

import pytest

from tests.support.projects import make_project
from tests.sweeps.test_audio_sweep import ROOT, ginpipe, workdir  # noqa: F401 - the module's fixture

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

STEPS = '''
from ginpipe.io import declares_metrics


@declares_metrics()  # makes no metric
def load(state, n=3):
    state["data"] = list(range(n))


@declares_metrics(lambda prefix="val", **_: [f"{prefix}_score"])
def scored(state, x=0.0, prefix="val"):
    state["metrics"] = {f"{prefix}_score": x + len(state["data"])}


def undeclared(state):
    state["other"] = 1
'''

CONFIG = """
PREFIX = 'dev'
execute_pipeline.tasks = [@load, @scored]
scored.prefix = %PREFIX
"""
SEARCH = ["--search", "scored.x=uniform(0, 1)", "--trials", "1", "--experiment-name", "s"]


@pytest.fixture
def project(tmp_path, monkeypatch):
    yield from make_project(tmp_path, monkeypatch, CONFIG, steps=STEPS)


def test_an_objective_no_task_declares_is_refused_before_the_first_trial(project):
    for dry in (["--dry-run"], []):
        done = project.cli("base.gin", *SEARCH, "--objective", "val_score", "--direction", "max", *dry)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [
            "error: The objective `val_score` is not a metric the runs produce: their tasks declare dev_score."
            " Did you mean `dev_score`?",
            "Pass --objective with one of those (and --direction max or min), e.g.",
            '    ginpipe base.gin --search "scored.x=uniform(0, 1)" --trials 1 --experiment-name s --objective'
            " dev_score --direction max" + (" --dry-run" if dry else "")]
    assert not (project.root / "experiments").exists()  # no trial, no storage
    project.cli("base.gin", *SEARCH, "--objective", "dev_score", "--direction", "max", "-q", check=True)
    study = optuna.load_study(study_name="my_project/s",
                              storage=f"sqlite:///{project.root / 'experiments/my_project/s/study.db'}")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] and 3 <= study.best_value <= 4


def test_a_task_that_declares_nothing_leaves_the_first_trial_to_tell(project):
    project.write("base.gin", CONFIG.replace("@scored]", "@scored, @undeclared]"))
    done = project.cli("base.gin", *SEARCH, "--objective", "val_score", "--direction", "max", "-q")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-2] == ("error: The objective `val_score` is not a metric the runs produce:"
                                            " trial-0000 made dev_score. Did you mean `dev_score`?")
    assert (project.root / "experiments/my_project/s/trial-0000/run.json").is_file()  # a trial ran first


AUDIO = ["configs/base.gin", "configs/debug/fast.gin", "--search", "torch.optim.AdamW.lr=choice(0.01, 0.003)",
         "--trials", "1"]


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / "configs" / "debug" / "fast.gin").is_file(), reason="no configs/debug/fast.gin")
def test_the_reference_tasks_declare_their_metrics(workdir):  # noqa: F811
    done = ginpipe(workdir, *AUDIO, "--objective", "val_acuracy", "--direction", "max", "--experiment-name", "typo",
                   "-q", check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        "error: The objective `val_acuracy` is not a metric the runs produce: their tasks declare test_accuracy,"
        " test_auroc_macro, test_balanced_accuracy, test_f1_macro, test_loss, test_mcc, test_size, train_loss,"
        " val_accuracy. Did you mean `val_accuracy` or `test_accuracy` or `test_balanced_accuracy`?")
    assert not (workdir / "experiments").exists()  # no trial folder, no study.db
    # val_loss is what the training reports when it monitors it (fit_model.monitor): accepted then
    ginpipe(workdir, *AUDIO, "--mods", "fit_model.monitor='val_loss'", "fit_model.mode='min'", "--objective",
            "val_loss", "--direction", "min", "--experiment-name", "by_loss", "--dry-run")
    ginpipe(workdir, *AUDIO, "--objective", "test_accuracy", "--direction", "max", "--experiment-name", "ok", "-q")
    study = optuna.load_study(study_name="audio/ok", storage=f"sqlite:///{workdir / 'experiments/audio/ok/study.db'}")
    assert [t.state.name for t in study.trials] == ["COMPLETE"]
