"""The issue's case through the reference project's own reader: clips added to a class folder that
`read_folder.root` names are seen by `load_dataset` in the same experiment and in a new one."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
CONFIG = """
include 'configs/datasets/folder.gin'
execute_pipeline.tasks = [@set_seed, @load_dataset]
FOLDER_ROOT = 'sounds'
PROJECT_NAME = 'audio'
"""


def tone(path: Path, frequency: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.5 * np.sin(2 * np.pi * frequency * np.arange(1600) / 16000)).astype(np.float32), 16000)


def ginpipe(root: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "data.gin", *args], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_clips_added_to_a_class_folder_reach_a_new_experiment(tmp_path):
    for name in ("tasks", "configs"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "data.gin").write_text(CONFIG)
    for label, frequency in (("siren", 900.0), ("dog", 300.0)):
        for i in range(4):
            tone(tmp_path / "sounds" / label / f"{i}.wav", frequency + i)
    ginpipe(tmp_path, "--experiment-name", "first")
    for i in range(4, 9):
        tone(tmp_path / "sounds/siren" / f"{i}.wav", 900.0 + i)
    plan = ginpipe(tmp_path, "--experiment-name", "newdata", "--dry-run").stdout
    assert ("  run     02-load_dataset  (never ran; experiment first's differs: data changed: sounds/siren"
            " (+5 files))\n") in plan
    ginpipe(tmp_path, "--experiment-name", "newdata")
    run = json.loads((tmp_path / "experiments/audio/newdata/run.json").read_text())
    assert [(t["label"], t["status"], t.get("from")) for t in run["tasks"]] == [
        ("01-set_seed", "cached", "first"), ("02-load_dataset", "done", None)]
    sys.path.insert(0, str(REPO))
    from ginpipe import load_state
    assert len(load_state(tmp_path / "experiments/audio/newdata")["dataset_metadata"]) == 13
    assert len(load_state(tmp_path / "experiments/audio/first")["dataset_metadata"]) == 8
