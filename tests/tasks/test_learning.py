"""The reference pipeline learns: trained briefly on small generated data, it scores well above chance.

No exact figure is asserted (they move with any change to a model or the data), only a margin over
chance (10 % for ten classes) that an untrained or broken pipeline cannot reach.
"""
import pytest

import ginpipe

# The MLP on MFCC statistics: the configuration that learns fastest on the CPU.
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin", "configs/models/mlp.gin", "configs/features/mfcc.gin"]
# 30 clips of each class and every batch of 15 epochs: a few seconds of training.
SMALL = ["read_synthetic.clips_per_class=30", "pl.Trainer.limit_train_batches=1.0",
         "pl.Trainer.limit_val_batches=1.0", "MAX_EPOCHS=15"]


@pytest.mark.slow
@pytest.mark.parametrize(("difficulty", "at_least"), [("easy", 0.4), ("hard", 0.25)])
def test_a_short_training_scores_well_above_chance(in_repo, tmp_path, difficulty, at_least):
    mods = [*SMALL, f"read_synthetic.difficulty='{difficulty}'", f"read_synthetic.root='{tmp_path / 'data'}'",
            f"extract_features.cache_dir='{tmp_path / 'features'}'"]
    state = ginpipe.run(CONFIGS, mods=mods, output_dir=tmp_path / "experiment")
    metrics = state["metrics"]
    assert metrics["test_size"] >= 70  # a quarter of 300 clips
    assert metrics["test_accuracy"] >= at_least, metrics["test_accuracy"]
