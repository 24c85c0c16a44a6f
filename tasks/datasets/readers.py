"""Readers: each turns a dataset layout on disk into a DataFrame of metadata, one row per file.

Every reader returns at least `path` (absolute, as text) and `label`; dataset-specific columns
(folds, speakers, official splits) are kept so `split_dataset` can use them. Audio is never read
here: `load_dataset` probes duration, sample rate and channels afterwards, for all readers at once.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Iterable

import pandas as pd

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")


def _require_folder(root: str | Path, what: str) -> Path:
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} folder {folder} does not exist; set its path in the config"
                                f" (e.g. the dataset's ROOT macro).")
    return folder.resolve()


def read_folder(root: str | Path, extensions: Iterable[str] = AUDIO_EXTENSIONS,
                exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Folder-per-class layout: `root/<label>/**/*.wav|flac|ogg`.

    Args:
        root: folder whose sub-folders are the classes.
        extensions: file suffixes to keep, compared case-insensitively.
        exclude: class folder names to skip (e.g. `_background_noise_`).

    Example (gin):
        load_dataset.reader_fn = [@read_folder]
        read_folder.root = '/data/my_sounds'
    """
    folder = _require_folder(root, "Dataset")
    suffixes = {e.lower() for e in extensions}
    skipped = set(exclude)
    rows = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in skipped):
        for file in sorted(class_dir.rglob("*")):
            if file.suffix.lower() in suffixes and file.is_file():
                rows.append((str(file), class_dir.name))
    if not rows:
        raise NoAudioError(_no_audio(folder, sorted(suffixes), skipped))
    return pd.DataFrame(rows, columns=["path", "label"])


class NoAudioError(ValueError):
    """A dataset folder that exists but holds no audio file in the expected layout."""


def _no_audio(folder: Path, suffixes: list[str], skipped: set[str]) -> str:
    """Why a folder gave no rows, and what layout was expected."""
    expected = f"expected {folder}/<class>/<file>{'|'.join(suffixes)} (one sub-folder per class)"
    files = [p for p in itertools.islice(folder.rglob("*"), 10_000) if p.is_file()]
    loose = [p for p in files if p.parent == folder and p.suffix.lower() in suffixes]
    if loose:
        return (f"Dataset folder {folder} holds audio files ({loose[0].name}, ...) directly, not in class"
                f" sub-folders: {expected}.")
    if not files:
        return f"Dataset folder {folder} is empty: {expected}."
    shown = ", ".join(str(p.relative_to(folder)) for p in files[:3])
    note = f" (skipped: {', '.join(sorted(skipped))})" if skipped else ""
    return (f"Dataset folder {folder} holds no audio file{note}: {expected}; it holds {len(files)} other"
            f" file(s), e.g. {shown}. Set read_folder.extensions if your audio has another suffix.")


def read_manifest(path: str | Path, path_column: str = "path", label_column: str = "label",
                  audio_root: str | Path | None = None) -> pd.DataFrame:
    """A CSV or parquet table listing files; extra columns are kept.

    Relative paths are resolved against `audio_root`, or against the manifest's folder.

    Example (gin):
        read_manifest.path = 'data/train.csv'
        read_manifest.label_column = 'class'
    """
    manifest = Path(path).expanduser()
    if not manifest.is_file():
        raise FileNotFoundError(f"Manifest {manifest} does not exist.")
    frame = pd.read_parquet(manifest) if manifest.suffix == ".parquet" else pd.read_csv(manifest)
    missing = [c for c in (path_column, label_column) if c not in frame.columns]
    if missing:
        raise ManifestColumnError(
            f"Manifest {manifest} has no column {', '.join(map(repr, missing))}; its columns are"
            f" {', '.join(map(repr, frame.columns))}. Set read_manifest.path_column / read_manifest.label_column"
            f"{_did_you_mean_column(missing, frame.columns)}.")
    base = Path(audio_root).expanduser() if audio_root is not None else manifest.parent
    frame = frame.rename(columns={path_column: "path", label_column: "label"})
    frame["path"] = [str((base / p).resolve()) for p in frame["path"].astype(str)]
    frame["label"] = frame["label"].astype(str)
    return frame


class ManifestColumnError(KeyError):
    """A manifest without the path or label column it was told to use."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


def _did_you_mean_column(missing: list[str], columns) -> str:
    import difflib
    close = [m for name in missing for m in difflib.get_close_matches(name, [str(c) for c in columns], 1)]
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""


def read_gtzan(root: str | Path) -> pd.DataFrame:
    """GTZAN genres: `root/<genre>/<genre>.000NN.wav` (Kaggle) or `.au` (original release).

    Accepts the folder holding the genre folders or its parent (`genres/`, `genres_original/`).
    """
    folder = _require_folder(root, "GTZAN")
    for name in ("genres_original", "genres"):
        if (folder / name).is_dir():
            folder = folder / name
            break
    frame = read_folder(folder, extensions=(".wav", ".au"))
    frame["track"] = [Path(p).stem for p in frame["path"]]
    frame["dataset"] = "gtzan"
    return frame


def read_esc50(root: str | Path) -> pd.DataFrame:
    """ESC-50: `root/meta/esc50.csv` and `root/audio/*.wav`; keeps `fold`, `esc10` and `src_file`.

    Use the folds with `split_by_column` (the official 5-fold protocol), and `src_file` as the group
    column, since clips cut from the same recording must not straddle splits.
    """
    folder = _require_folder(root, "ESC-50")
    meta = pd.read_csv(folder / "meta" / "esc50.csv")
    return pd.DataFrame({
        "path": [str(folder / "audio" / f) for f in meta["filename"]],
        "label": meta["category"].astype(str),
        "fold": meta["fold"].astype(int),
        "esc10": meta["esc10"].astype(bool),
        "src_file": meta["src_file"].astype(str),
        "dataset": "esc50",
    })


_SPEAKER = re.compile(r"^([0-9a-f]+)_nohash_")


def read_speech_commands(root: str | Path, include_background: bool = False) -> pd.DataFrame:
    """Speech Commands (v1/v2): `root/<word>/<speaker>_nohash_<n>.wav` plus the official lists.

    Adds `speaker` and `split` (`train`, or `validation`/`test` from `validation_list.txt` and
    `testing_list.txt`), for `split_by_column` or a grouped split by speaker.
    """
    folder = _require_folder(root, "Speech Commands")
    exclude = () if include_background else ("_background_noise_",)
    frame = read_folder(folder, extensions=(".wav",), exclude=exclude)
    relative = [Path(p).relative_to(folder).as_posix() for p in frame["path"]]
    split = pd.Series("train", index=frame.index)
    for name, listed in (("validation", "validation_list.txt"), ("test", "testing_list.txt")):
        if (folder / listed).is_file():
            members = set((folder / listed).read_text().split())
            split[[r in members for r in relative]] = name
    frame["speaker"] = [(_SPEAKER.match(Path(r).name) or [None, "unknown"])[1] for r in relative]
    frame["split"] = split
    frame["dataset"] = "speech_commands"
    return frame
