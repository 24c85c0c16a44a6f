"""Pruning: a trial whose reported curve is worse than the median of the others at the same epoch
stops there, and its folder says so. The random sampler's seed 6 draws good, good, bad (the second good one
comes from the cache: the same config as the first)."""
from __future__ import annotations

import json

import pytest

from .test_search import trials_of

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

CURVE = """
execute_pipeline.tasks = [@set_seed, @load, @train]
set_seed.seed = 3
train.rate = 0.1
"""


def test_median_pruner_stops_a_bad_trial_at_its_first_epoch(project):
    project.write("curve.gin", CURVE)
    done = project.cli("curve.gin", "--search", "train.rate=choice(0.1, -0.1)", "--sampler", "random", "--seed", "6",
                       "--trials", "3", "--pruner", "median", "--objective", "curve", "--direction", "min",
                       "--experiment-name", "p", "-q", check=True)
    trials = trials_of(project, "p")
    assert [(t.params["train.rate"], t.state.name) for t in trials] == [
        ("0.1", "COMPLETE"), ("0.1", "COMPLETE"), ("-0.1", "PRUNED")]
    assert project.calls().count("epoch") == 6 + 1  # trial 1 is cached; the bad trial stopped after one epoch
    folder = project.root / "experiments/my_project/p/trial-0002"
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "pruned" and run["error"].startswith("Trial 2 was pruned at step 0: curve = 1.1")
    assert json.loads((folder / "trial.json").read_text())["state"] == "pruned"
    assert "(2 complete, 1 pruned)" in done.stdout
    # trial 1 reported nothing (its training came from trial 0's cache): it has trial 0's value
    assert [t.value for t in trials] == [pytest.approx(0.4), pytest.approx(0.4), pytest.approx(1.1)]
    status = project.cli("status", str(folder), check=True).stdout
    assert "pruned" in status
