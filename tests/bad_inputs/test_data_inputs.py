"""Bad data for the reference audio pipeline: each run stops with code 2, naming the file or setting.

The real `ginpipe` command (its `main`, in this process: torch is imported once for all cases) runs
`configs/base.gin configs/debug/fast.gin configs/datasets/folder.gin` on a tiny generated dataset, next
to a finished experiment of the same project that must not change by one byte.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch
from loguru import logger

from tests.support.file_checks import check_folders
from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests
from tests.support.snapshot import Snapshot

REPO = Path(__file__).resolve().parents[2]

CONFIGS = ["configs/base.gin", "configs/debug/fast.gin", "configs/datasets/folder.gin", "-q"]
CLASSES = {"hum": 150.0, "tone": 900.0, "whistle": 3000.0}

pytestmark = pytest.mark.slow  # trains a model (seconds)


def _tone(path: Path, frequency: float, samples: int = 8000, data=None, subtype=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wave = data if data is not None else 0.3 * np.sin(2 * np.pi * frequency * np.arange(samples) / 16000)
    sf.write(path, np.asarray(wave, np.float32), 16000, subtype=subtype)
    return path


def _truncated_flac(path: Path) -> Path:
    """A FLAC file whose header is intact (load_dataset reads it) and whose data stops midway."""
    _tone(path, 600.0, samples=16000)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def _dataset(root: Path, per_class: int = 6) -> Path:
    for label, frequency in CLASSES.items():
        for i in range(per_class):
            _tone(root / label / f"{label}_{i}.wav", frequency * (1 + i / 50), 8000 + 160 * i)
    return root


def _ginpipe(*args: str) -> int:
    from ginpipe.cli import main
    try:
        return main([*CONFIGS, *args])
    finally:  # the CLI pointed loguru at this test's captured stderr
        logger.remove()
        logger.add(sys.__stderr__)


@pytest.fixture(scope="module")
def audio_project(tmp_path_factory):
    """The repository's configs, a project folder with the finished experiment `keep`."""
    root = tmp_path_factory.mktemp("audio")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        data = _dataset(root / "data" / "good")
        common = [f"extract_features.cache_dir='{root / 'features'}'"]
        assert _ginpipe("--output-dir", str(root / "project" / "keep"), "--mods", f"FOLDER_ROOT='{data}'",
                        *common) == 0
        yield root, common, Snapshot(root / "project" / "keep")


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], list[str]]  # builds the bad input under the folder given; returns the mods
    message: str  # the start of the error, with {data} for the case's data folder
    named: str = ""  # the file or setting at fault, with {data}


def _folder(mods: list[str] = ()):
    def make(data: Path) -> list[str]:
        return [f"FOLDER_ROOT='{data}'", *mods]
    return make


def _with(change: Callable[[Path], None], *mods: str):
    def make(data: Path) -> list[str]:
        _dataset(data)
        change(data)
        return [f"FOLDER_ROOT='{data}'", *(m.replace("{data}", str(data)) for m in mods)]
    return make


def _manifest(columns: dict, *mods: str):
    def make(data: Path) -> list[str]:
        files = sorted(str(p) for p in _dataset(data).rglob("*.wav"))
        pd.DataFrame({name: (files if value == "path" else value) for name, value in columns.items()}).to_csv(
            data / "manifest.csv", index=False)
        return ["load_dataset.reader_fn=[@read_manifest]", f"read_manifest.path='{data}/manifest.csv'", *mods]
    return make


def _folds_manifest(*mods: str):
    """A manifest of the dataset with an integer `fold` column (1-5), as ESC-50's."""
    def make(data: Path) -> list[str]:
        files = sorted(str(p) for p in _dataset(data).rglob("*.wav"))
        pd.DataFrame({"path": files, "label": [Path(f).parent.name for f in files],
                      "fold": [i % 5 + 1 for i in range(len(files))]}).to_csv(data / "manifest.csv", index=False)
        return ["load_dataset.reader_fn=[@read_manifest]", f"read_manifest.path='{data}/manifest.csv'",
                "split_dataset.strategy=@split_by_column", "split_by_column.column='fold'", *mods]
    return make


TASK = "error: Task `{task}` failed: "
RAISE = "load_dataset.on_bad_files='raise'"
CASES = [
    Case("dataset folder missing", lambda data: [f"FOLDER_ROOT='{data}/nowhere'"],
         TASK.format(task="02-load_dataset") + "FileNotFoundError: Dataset folder {data}/nowhere does not exist;"
         " set its path in the config (e.g. the dataset's ROOT macro)."),
    Case("dataset folder empty", lambda data: data.mkdir() or [f"FOLDER_ROOT='{data}'"],
         TASK.format(task="02-load_dataset") + "NoAudioError: Dataset folder {data} is empty: expected"
         " {data}/<class>/<file>.wav|.flac|.ogg|.mp3|... (one sub-folder per class)."),
    Case("dataset folder with no audio",
         lambda data: (data / "hum").mkdir(parents=True) or (data / "hum" / "notes.txt").write_text("x") and
         [f"FOLDER_ROOT='{data}'"],
         TASK.format(task="02-load_dataset") + "NoAudioError: Dataset folder {data} holds no audio file: expected",
         "it holds 1 other file(s), e.g. hum/notes.txt."),
    Case("audio not in class folders", lambda data: _tone(data / "a.wav", 440) and [f"FOLDER_ROOT='{data}'"],
         TASK.format(task="02-load_dataset") + "NoAudioError: Dataset folder {data} holds audio files (a.wav, ...)"
         " directly, not in class sub-folders"),
    Case("corrupt wav", _with(lambda d: (d / "hum" / "bad.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "), RAISE),
         TASK.format(task="02-load_dataset") + "UnreadableAudioError: 1 of 19 audio files are unreadable or empty:",
         "  {data}/hum/bad.wav: LibsndfileError"),
    Case("zero-byte wav", _with(lambda d: (d / "tone" / "empty.wav").write_bytes(b""), RAISE),
         TASK.format(task="02-load_dataset") + "UnreadableAudioError: 1 of 19 audio files are unreadable or empty:",
         "  {data}/tone/empty.wav: empty file (0 bytes)"),
    Case("wav with no samples", _with(lambda d: _tone(d / "tone" / "silent.wav", 0, data=np.zeros(0)), RAISE),
         TASK.format(task="02-load_dataset") + "UnreadableAudioError: 1 of 19 audio files are unreadable or empty:",
         "  {data}/tone/silent.wav: zero-length audio (0 frames)"),
    Case("wav full of NaNs",
         _with(lambda d: _tone(d / "whistle" / "nan.wav", 0, data=np.full(8000, np.nan), subtype="FLOAT")),
         TASK.format(task="05-extract_features") + "NonFiniteAudioError: 1 of 19 audio files cannot be used:",
         "  {data}/whistle/nan.wav: NaN or infinite samples"),
    Case("truncated flac that opens but does not decode",
         _with(lambda d: _truncated_flac(d / "tone" / "cut.flac"), RAISE),
         TASK.format(task="05-extract_features") + "UndecodableAudioError: 1 of 19 audio files cannot be decoded:",
         "  {data}/tone/cut.flac: cannot be decoded (LibsndfileError: "),
    Case("single-class dataset", _with(lambda d: [shutil.rmtree(d / c) for c in ("tone", "whistle")]),
         TASK.format(task="04-make_labels") + "ValueError: make_labels: the dataset has only 'hum' in column"
         " 'label' (6 rows): a classifier needs at least 2 classes.", "one folder per class"),
    Case("manifest with an unknown label column", _manifest({"path": "path", "class": "hum"}),
         TASK.format(task="02-load_dataset") + "ManifestColumnError: Manifest {data}/manifest.csv has no column"
         " 'label'; its columns are 'path', 'class'. Set read_manifest.path_column / read_manifest.label_column."),
    Case("manifest missing", lambda data: ["load_dataset.reader_fn=[@read_manifest]",
                                           f"read_manifest.path='{data}/manifest.csv'"],
         TASK.format(task="02-load_dataset") + "FileNotFoundError: Manifest {data}/manifest.csv does not exist."),
    Case("split proportions that do not sum to 1",
         _with(lambda d: None, "split_random.proportions={'train': 0.8, 'validation': 0.3, 'test': 0.2}"),
         TASK.format(task="03-split_dataset") + "ValueError: split_random.proportions sum to 1.3, not 1:"
         " {'train': 0.8, 'validation': 0.3, 'test': 0.2}."),
    Case("class too small for a stratified split",
         _with(lambda d: [p.unlink() for p in sorted((d / "whistle").iterdir())[2:]]),
         TASK.format(task="03-split_dataset") + "ValueError: Stratified split by `label`: too few rows for every"
         " split to get one: 'whistle' has 2 (test would get none).",
         "a class needs at least 4 rows"),
    Case("split mapping whose keys match no value", _folds_manifest("split_by_column.mapping={'4': 'test'}"),
         TASK.format(task="03-split_dataset") + "EmptySplitError: split_by_column.mapping = {'4': 'test'} leaves"
         " split 'test' empty: column 'fold' holds 5 distinct int64 value(s): 1, 2, 3, 4, 5; keys must equal those"
         " values, type included: did you mean {4: 'test'}?"),
    Case("checkpoint that does not fit the model",
         _with(lambda d: torch.save({"proj.weight": torch.zeros(2, 2)}, d / "w2v.pt"),
               "extract_features.extractor=@Wav2Vec2Features()", "Wav2Vec2Features.checkpoint='{data}/w2v.pt'"),
         TASK.format(task="05-extract_features") + "CheckpointMismatchError: Checkpoint {data}/w2v.pt does not fit"
         " Wav2Vec2Features(model='wav2vec2_base'): 210 of the model's 210 weights are missing from it (",
         "; 1 weight the model lacks (proj.weight). It holds another architecture's weights"),
    Case("NaN loss during training", _with(lambda d: None, "torch.optim.AdamW.lr=1e30"),
         TASK.format(task="07-fit_model") + "NonFiniteLossError: the training loss is nan at epoch 0, batch ",
         "training stopped there. Lower the learning rate"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_data_stops_the_run_naming_the_file_and_changes_nothing(audio_project, case, capsys, monkeypatch):
    root, common, keep = audio_project
    monkeypatch.chdir(REPO)
    data = root / "data" / case.id.replace(" ", "-")
    shutil.rmtree(data, ignore_errors=True)
    mods = case.make(data)
    experiment = root / "project" / case.id.replace(" ", "-")
    capsys.readouterr()
    code = _ginpipe("--output-dir", str(experiment), "--mods", *mods, *common)
    err = capsys.readouterr().err
    error = err[err.index("error: "):] if "error: " in err else err
    assert code == 2, err
    assert error.startswith(case.message.replace("{data}", str(data))), error
    assert case.named.replace("{data}", str(data)) in error, error
    assert "--resume" in error and "Traceback" not in error
    assert keep.changes() == []
    assert check_folders(experiment) == []  # nothing half-written in the failed experiment either


def test_a_truncated_file_is_dropped_by_default_like_unreadable_files_at_load_time(audio_project, capsys,
                                                                                   monkeypatch):
    root, common, keep = audio_project
    monkeypatch.chdir(REPO)
    data = root / "data" / "truncated-dropped"
    shutil.rmtree(data, ignore_errors=True)
    _dataset(data)
    _truncated_flac(data / "hum" / "cut.flac")
    experiment = root / "project" / "truncated-dropped"
    capsys.readouterr()
    code = _ginpipe("--output-dir", str(experiment), "--mods", f"FOLDER_ROOT='{data}'", *common)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"1 of 19 audio files cannot be decoded:\n  {data}/hum/cut.flac: cannot be decoded (" in captured.err
    assert "They are dropped (`load_dataset.on_bad_files = 'raise'` fails instead)." in captured.err
    assert "Traceback" not in captured.err
    import ginpipe
    state = ginpipe.load_state(experiment)
    assert len(state["features"]) == len(state["dataset_metadata"]) == 18
    assert str(data / "hum" / "cut.flac") not in set(state["dataset_metadata"]["path"])
    assert keep.changes() == []
