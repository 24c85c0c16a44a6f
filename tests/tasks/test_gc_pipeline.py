"""`ginpipe gc` on the real pipeline's caches (generated audio, feature cache): what a finished
experiment uses stays, and it reruns fully cached afterwards; a cache only a deleted experiment
used goes."""
import json
import shutil
import subprocess
import sys

import pytest

import ginpipe

CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]
STAGES = "execute_pipeline.tasks = [@set_seed, @load_dataset, @split_dataset, @make_labels, @extract_features]"


@pytest.mark.slow
def test_gc_keeps_what_a_finished_experiment_uses_and_removes_an_orphan_cache(in_repo, tmp_path):
    data = tmp_path / "data"
    mods = [f"read_synthetic.root='{data / 'generated'}'", f"extract_features.cache_dir='{data / 'features'}'"]
    experiments = tmp_path / "experiments"
    ginpipe.run(CONFIGS, mods=mods, output_dir=experiments / "kept")
    # Another feature setting, extracted by an experiment that is deleted afterwards: an orphan cache.
    ginpipe.run(CONFIGS, mods=[*mods, STAGES, "LogMel.n_mels=32"], output_dir=experiments / "deleted")
    shutil.rmtree(experiments / "deleted")
    features = sorted(p for p in (data / "features").iterdir() if p.is_dir())
    assert len(features) == 2 and all((p / ".ginpipe-cache").is_file() for p in features)
    orphan = next(p for p in features if json.loads((p / "settings.json").read_text())["n_mels"] == 32)
    dataset = next((data / "generated").iterdir())
    assert json.loads((dataset / ".ginpipe-cache").read_text())["kind"] == "generated dataset"

    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "gc", str(tmp_path)], capture_output=True,
                          text=True, check=True)
    removed = [line.split("  ")[1] for line in done.stdout.splitlines() if line.startswith("removed")]
    assert removed == [str(orphan)]
    assert dataset.is_dir() and all(p.is_dir() for p in features if p != orphan)

    ginpipe.run(CONFIGS, mods=mods, output_dir=experiments / "kept")
    run = json.loads((experiments / "kept" / "run.json").read_text())
    assert {task["status"] for task in run["tasks"]} == {"cached"}
