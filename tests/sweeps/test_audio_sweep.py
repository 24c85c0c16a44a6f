"""End to end on the reference audio project (configs/debug/fast.gin): a 2x2 sweep, compare, reproduce.

Each run trains a real (tiny) model with Lightning on CPU, in its own process, in a temporary folder
that links to the repository's `tasks/` and `configs/` (generated audio and features land there too).
"""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (ROOT / "configs" / "debug" / "fast.gin").is_file(),
                                 reason="the audio project's configs/debug/fast.gin is not there yet")]
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]
NAMES = ["fast__n_layers=4__lr=0.001", "fast__n_layers=4__lr=0.003", "fast__n_layers=6__lr=0.001",
         "fast__n_layers=6__lr=0.003"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("audio")
    for name in ("tasks", "configs"):
        (root / name).symlink_to(ROOT / name)
    return root


def ginpipe(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK", "SLURM_PROCID")}
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *args], cwd=root, capture_output=True, text=True,
                          env={**env, "CUDA_VISIBLE_DEVICES": ""}, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def swept(workdir):
    ginpipe(workdir, *CONFIGS, "--sweep", "Resnet.n_layers=[4,6]", "--sweep", "torch.optim.AdamW.lr=[1e-3,3e-3]", "-q")
    return workdir


def test_a_2x2_sweep_extracts_features_exactly_once(swept):
    statuses = []
    for name in NAMES:
        run = json.loads((swept / "experiments" / "audio" / name / "run.json").read_text())
        assert run["status"] == "done"
        tasks = {t["label"]: t for t in run["tasks"]}
        statuses.append(tasks["05-extract_features"]["status"])
        assert tasks["07-fit_model"]["status"] == "done"  # every member trains its own model
    assert statuses == ["done", "cached", "cached", "cached"]


def test_compare_shows_the_swept_bindings_and_test_metrics(swept):
    done = ginpipe(swept, "compare", *(f"experiments/audio/{n}" for n in NAMES), "--csv", "--sort", "test_loss")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(r["experiment"] for r in rows) == NAMES
    assert {r["Resnet.n_layers"] for r in rows} == {"4", "6"} and {r["AdamW.lr"] for r in rows} == {"0.001", "0.003"}
    losses = [float(r["test_loss"]) for r in rows]
    assert losses == sorted(losses)
    ginpipe(swept, "compare", "experiments/audio", "--plot", "val_loss", "--plot-file", "curves.png")
    assert (swept / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_reproduce_matches_the_metrics_exactly_on_cpu(swept):
    done = ginpipe(swept, "reproduce", f"experiments/audio/{NAMES[1]}", "-q", check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"Reproduced experiments/audio/{NAMES[1]} in experiments/audio/{NAMES[1]}__reproduced." in done.stdout
    assert "Metrics match exactly (" in done.stdout
    report = json.loads((swept / "experiments" / "audio" / f"{NAMES[1]}__reproduced" / "reproduction.json").read_text())
    assert report["metrics_match"] is True and report["source"]["configs"] == CONFIGS
    assert report["source"]["mods"] == ["Resnet.n_layers=4", "torch.optim.AdamW.lr=0.003"]
