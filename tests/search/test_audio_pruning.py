"""Pruning on the reference audio project (configs/debug/fast.gin): `fit_model` reports val_loss after
every validation epoch, and the median pruner stops a trial that does not learn (lr = 0) after its
first epoch. The random sampler's seed 6 draws lr 0.01, 0.01 (from the cache), 0.0."""
from __future__ import annotations

import csv
import json

import pytest

from tests.sweeps.test_audio_sweep import ROOT, ginpipe, workdir  # noqa: F401 - the module's fixture

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (ROOT / "configs" / "debug" / "fast.gin").is_file(),
                                 reason="the audio project's configs/debug/fast.gin is not there yet")]


def test_pruning_stops_a_trial_that_does_not_learn(workdir):  # noqa: F811
    done = ginpipe(workdir, "configs/base.gin", "configs/debug/fast.gin", "--mods", "MAX_EPOCHS=4",
                   "fit_model.monitor='val_loss'", "fit_model.mode='min'",
                   "--search", "torch.optim.AdamW.lr=choice(0.01, 0.0)", "--sampler", "random", "--seed", "6",
                   "--trials", "3", "--pruner", "median", "--experiment-name", "prune", "-q")
    folder = workdir / "experiments/audio/prune"
    study = optuna.load_study(study_name="audio/prune", storage=f"sqlite:///{folder / 'study.db'}")
    assert [(t.params["torch.optim.AdamW.lr"], t.state.name) for t in study.trials] == [
        ("0.01", "COMPLETE"), ("0.01", "COMPLETE"), ("0.0", "PRUNED")]
    assert len(study.trials[0].intermediate_values) == 4  # one report per validation epoch
    assert list(study.trials[2].intermediate_values) == [0]
    run = json.loads((folder / "trial-0002/run.json").read_text())
    assert run["status"] == "pruned" and [t["status"] for t in run["tasks"]][-1] == "failed"
    with open(folder / "trial-0002/logs/training/metrics.csv") as f:
        epochs = {row["epoch"] for row in csv.DictReader(f) if row.get("val_loss")}
    assert epochs == {"0"}  # stopped after its first epoch of 4
    assert "(2 complete, 1 pruned)" in done.stdout and "objective" not in done.stderr[-500:]
