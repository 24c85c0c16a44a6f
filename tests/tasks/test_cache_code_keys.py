"""A project's own feature extractor, through the real command: editing its code (or a helper it calls
in another module) recomputes the features and every task after them; editing an unrelated function
recomputes nothing; the model trained then is the one a fresh run trains; `ginpipe reproduce`
recomputes the features too."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

EXTRACTOR = '''
import torch

from tasks.features.extractors import LogMel
from tasks.my_helpers import scale


class LogSpec(LogMel):
    """A user's extractor: a log spectrogram, scaled by a helper of another module."""

    def __call__(self, waveform):
        if getattr(self, "_transform", None) is None:
            super().__call__(waveform)  # builds the mel transform
        return scale(torch.log(self._transform(waveform)[0] + self.log_offset))
'''

HELPERS = '''
def scale(x):
    return x * 1.0


def unrelated():
    return "not called by the extractor"
'''


@pytest.fixture
def own_project(tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(REPO / "tasks", root / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "configs", root / "configs")
    (root / "tasks/my_extra.py").write_text(EXTRACTOR)
    (root / "tasks/my_helpers.py").write_text(HELPERS)
    (root / "my.gin").write_text("import tasks.my_extra\nextract_features.extractor = @LogSpec()\n"
                                 "extract_features.n_jobs = 0\n")
    return root


def ginpipe(root: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/debug/fast.gin",
                           "my.gin", *args], cwd=root, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def features_line(log: str) -> str:
    found = re.findall(r"features: (\d+) files computed in \d+ shards, (\d+) reused", log)
    assert len(found) == 1, log[-3000:]
    return "%s computed, %s reused" % found[0]


def ran(root: Path, name: str) -> list[str]:
    tasks = json.loads((root / "experiments/audio" / name / "run.json").read_text())["tasks"]
    return [t["label"] for t in tasks if t["status"] == "done"]


def weights(root: Path, name: str) -> dict:
    import torch
    checkpoint = json.loads((root / "experiments/audio" / name / "metrics.json").read_text())["checkpoint"]
    return torch.load(root / checkpoint if not Path(checkpoint).is_absolute() else checkpoint,
                      map_location="cpu", weights_only=False)["state_dict"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


AFTER_FEATURES = ["05-extract_features", "06-get_dataloaders", "07-fit_model", "08-evaluate_model",
                  "09-export_model"]


@pytest.mark.slow
def test_edited_extractor_or_helper_recomputes_features_and_the_model_matches_a_fresh_run(own_project):
    root = own_project
    first = ginpipe(root, "--experiment-name", "a")
    assert features_line(first) == "60 computed, 0 reused"

    edit(root / "tasks/my_extra.py", "torch.log(", "torch.log10(")
    plan = subprocess.run([sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/debug/fast.gin",
                           "my.gin", "--experiment-name", "a", "--resume", "--dry-run"], cwd=root,
                          capture_output=True, text=True, timeout=600).stdout
    assert "  run     05-extract_features  (inputs changed: tasks/my_extra.py:LogSpec changed)\n" in plan
    log = ginpipe(root, "--experiment-name", "a", "--resume")
    assert features_line(log) == "60 computed, 0 reused"
    assert ran(root, "a") == AFTER_FEATURES

    edit(root / "tasks/my_helpers.py", "return x * 1.0", "return x * 0.5")
    log = ginpipe(root, "--experiment-name", "a", "--resume")
    assert features_line(log) == "60 computed, 0 reused"
    assert ran(root, "a") == AFTER_FEATURES

    edit(root / "tasks/my_helpers.py", "not called by the extractor", "still not called")
    log = ginpipe(root, "--experiment-name", "a", "--resume")
    assert ran(root, "a") == [] and not re.search(r"features: \d+ computed", log)

    # a fresh run of today's code, with a feature cache of its own and nothing adopted
    fresh = ginpipe(root, "--experiment-name", "fresh", "--no-cache",
                    "--mods", "extract_features.cache_dir='data/fresh-features'")
    assert features_line(fresh) == "60 computed, 0 reused"
    edited, new = weights(root, "a"), weights(root, "fresh")
    assert list(edited) == list(new)
    assert all((edited[k] == new[k]).all() for k in edited)

    # `ginpipe reproduce` executes every task and recomputes the features it could have reused
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "reproduce", "experiments/audio/a"], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert features_line(done.stderr) == "60 computed, 0 reused"
    assert "Metrics match exactly" in done.stdout
    assert ran(root, "a__reproduced") == ["01-set_seed", "02-load_dataset", "03-split_dataset", "04-make_labels",
                                          *AFTER_FEATURES]
