"""The reference project's search config and the manual's sweep-as-a-study (docs/search.md), planned with --dry-run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def dry_run(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *args, "--dry-run"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("args, lines", [
    (["configs/search/lr_depth.gin", "--trials", "20"], [
        "Study audio/lr_depth: 20 trials of torch.optim.AdamW.lr, Resnet.n_layers, Resnet.dropout, maximise"
        " val_accuracy (tpe) in experiments/audio/lr_depth",
        "  torch.optim.AdamW.lr: float [0.0001, 0.01] log", "  Resnet.n_layers: int [4, 20] step 2",
        "  Resnet.dropout: float [0.0, 0.5]"]),
    (["configs/sweeps/depth.gin", "--trials", "4", "--pruner", "hyperband"], [
        "Study audio/depth: 4 trials of Resnet.n_layers, SEED, maximise val_accuracy (grid, hyperband pruning)"
        " in experiments/audio/depth",
        "  Resnet.n_layers: choice 8, 14, 20", "  SEED: choice 1, 2, 3"]),
])
def test_shipped_search_plans(args, lines):
    assert dry_run(*args) == lines
