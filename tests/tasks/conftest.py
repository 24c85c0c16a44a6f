"""Fixtures for the audio pipeline tests: tiny generated audio, never downloads.

gin's global config is cleared after every test by the autouse fixture in tests/conftest.py.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ginpipe import State
from ginpipe.experiment.folder_safety import mark

REPO = Path(__file__).resolve().parents[2]


def _write_tone(path: Path, frequency: float, seconds: float = 0.3, rate: int = 16000,
               channels: int = 1, fmt: str | None = None) -> Path:
    """A sine tone file (optionally stereo / another rate / format)."""
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.5 * np.sin(2 * np.pi * frequency * t).astype(np.float32)
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, format=fmt)
    return path


@pytest.fixture
def write_tone():
    """`write_tone(path, frequency, seconds=0.3, rate=16000, channels=1)`: a sine tone file."""
    return _write_tone


@pytest.fixture
def in_repo(monkeypatch):
    """Run from the repository root, where `tasks/` and `configs/` are (as the CLI does)."""
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def folder_dataset(tmp_path) -> Path:
    """`root/<label>/*.wav|flac|ogg`: 3 classes, mixed rates/channels/formats."""
    root = tmp_path / "folder"
    for label, frequency in (("low", 200.0), ("mid", 800.0), ("high", 3000.0)):
        _write_tone(root / label / "a.wav", frequency)
        _write_tone(root / label / "nested" / "b.FLAC", frequency, rate=22050, channels=2)
        _write_tone(root / label / "c.ogg", frequency, seconds=0.5)
    (root / "low" / "notes.txt").write_text("not audio")
    return root


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """Where a small synthetic dataset (6 clips x 10 classes, 0.5 s) is generated once per session."""
    return tmp_path_factory.mktemp("synthetic")


@pytest.fixture
def read_small_synthetic(synthetic_root):
    from tasks.datasets.synthetic import read_synthetic

    return functools.partial(read_synthetic, root=synthetic_root, clips_per_class=6, duration=0.5)


@pytest.fixture
def state(tmp_path) -> State:
    """A fresh ginpipe `State` whose experiment folder is a temporary directory, marked as a run marks it
    (ginpipe moves old checkpoints aside only inside a folder it created as an experiment)."""
    out = tmp_path / "experiment"
    out.mkdir()
    mark(out)
    return State({"output_dir": str(out), "seed": 0})


@pytest.fixture
def featurised_state(state, read_small_synthetic, tmp_path) -> State:
    """State after load -> split -> labels -> extract on the small synthetic dataset."""
    from tasks.datasets.load import load_dataset
    from tasks.features.extract import extract_features
    from tasks.labels import make_labels
    from tasks.split import split_dataset

    load_dataset(state, [read_small_synthetic])
    split_dataset(state)
    make_labels(state)
    extract_features(state, cache_dir=str(tmp_path / "features"), n_jobs=0, progress=False)
    return state
