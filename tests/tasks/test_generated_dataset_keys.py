"""The generated dataset's folder is keyed on its generator's code: an edited recipe (in a helper
module) generates new audio, an unrelated edit reuses the folder, and `must_recompute` regenerates."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

GENERATE = ("from tasks.datasets.synthetic import generate_synthetic_dataset as g; "
            "print(g('gen', clips_per_class=1, duration=0.1, difficulty='easy', n_jobs=1))")


@pytest.fixture
def project(tmp_path):
    shutil.copytree(REPO / "tasks", tmp_path / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def generate(root: Path, **env) -> Path:
    done = subprocess.run([sys.executable, "-c", GENERATE], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env}, timeout=300)
    assert done.returncode == 0, done.stderr
    return root / done.stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edited_recipe_generates_new_audio_and_an_unrelated_edit_does_not(project):
    first = generate(project)
    clip = first / "flute" / "flute_0000.wav"
    before = clip.read_bytes()
    edit(project / "tasks/datasets/synthetic_easy.py", "f0 = rng.uniform(500, 1000)", "f0 = rng.uniform(600, 1000)")
    edited = generate(project)
    assert edited != first and (edited / "flute" / "flute_0000.wav").read_bytes() != before
    for module in ("synthetic_easy.py", "probe.py"):  # a function nothing calls, in a recipe's module too
        path = project / "tasks/datasets" / module
        path.write_text(path.read_text() + "\n\ndef unused():\n    return 1\n")
    assert generate(project) == edited


def test_must_recompute_regenerates_the_files(project):
    folder = generate(project)
    clip = folder / "bell" / "bell_0000.wav"
    os.utime(clip, ns=(0, 0))
    assert generate(project) == folder and clip.stat().st_mtime_ns == 0  # read, not written
    assert generate(project, GINPIPE_MUST_RECOMPUTE="1") == folder and clip.stat().st_mtime_ns > 0
