"""Class probabilities for many audio files with a model bundle: `ginpipe predict` and `ModelBundle.predict`.

Inputs are files, folders (searched recursively for audio) or manifests (CSV/parquet with a `path`
column). Files are decoded and featurised in DataLoader worker processes, their windows classified
in batches on the GPU when there is one; every clip goes through `tasks.inference`, the code path
of the demo and of evaluation. A file that cannot be classified is skipped and listed with why.

`predict_files` is the entry point a bundle names in `model/bundle.json`, which `ginpipe predict`
imports (ginpipe itself never imports torch nor this package at start-up).
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import soundfile as sf
import torch
from torch.utils.data import DataLoader, Dataset

from ginpipe import GinpipeError
from ginpipe.io import atomic_write, quiet

from .inference import AudioInputError, pad_windows, probabilities, read_clip, window_frames, windows

MANIFEST_SUFFIXES = (".csv", ".parquet")
# What soundfile's libsndfile decodes, by suffix (its format names, plus their usual other spellings).
AUDIO_SUFFIXES = frozenset({f".{name.lower()}" for name in sf.available_formats()}
                           | {".aif", ".aifc", ".oga", ".opus", ".wave"})


class PredictInputError(GinpipeError):
    """An input list that cannot be read at all (a manifest without its path column)."""


@dataclass
class Predictions:
    """Probabilities of every class for each classified file, and the inputs that were skipped."""

    classes: list[str]
    paths: list[str] = field(default_factory=list)
    probabilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))  # (files, classes)
    windows: list[int] = field(default_factory=list)  # windows averaged per file
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (input, why)
    left_out: Counter = field(default_factory=Counter)  # suffix -> files of a folder that are not audio

    def table(self, top_k: int = 5) -> pd.DataFrame:
        """One row per file: `path`, then `class_1`, `probability_1`, ... for the `top_k` classes, `windows`."""
        return prediction_table(self.paths, self.probabilities, self.classes, top_k, windows=self.windows)


def prediction_table(paths: Sequence[str], probs: np.ndarray, classes: Sequence[str], top_k: int,
                     **extra: Sequence) -> pd.DataFrame:
    """The predictions file's rows: `path`, the `top_k` classes with their probabilities, then `extra` columns.

    Evaluation writes its `predictions_<split>.csv` with this too, so the two files read alike.
    """
    k = max(1, min(int(top_k), len(classes)))
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k] if len(paths) else np.zeros((0, k), int)
    columns: dict[str, Sequence | np.ndarray] = {"path": list(paths)}
    for rank in range(k):
        columns[f"class_{rank + 1}"] = [classes[i] for i in order[:, rank]]
        columns[f"probability_{rank + 1}"] = probs[np.arange(len(paths)), order[:, rank]].astype(float).round(6)
    return pd.DataFrame({**columns, **{name: list(values) for name, values in extra.items()}})


def collect_inputs(inputs: Sequence[str | os.PathLike]) -> tuple[list[str], list[tuple[str, str]], Counter]:
    """The audio files `inputs` name, in order and once each; inputs skipped with why; non-audio suffixes
    counted in folders (a folder's `notes.txt` is not an input the user gave)."""
    files: dict[str, None] = {}
    skipped: list[tuple[str, str]] = []
    left_out: Counter = Counter()
    for given in inputs:
        path = Path(given).expanduser()
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                if found.suffix.lower() in AUDIO_SUFFIXES:
                    files.setdefault(str(found), None)
                else:
                    left_out[found.suffix.lower() or "(no suffix)"] += 1
        elif path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
            for listed in manifest_paths(path):
                files.setdefault(listed, None)
        elif path.exists() and not path.is_file():
            skipped.append((str(given), "is not a file nor a folder"))
        elif not path.exists():
            skipped.append((str(given), "does not exist"))
        else:
            files.setdefault(str(path), None)
    return list(files), skipped, left_out


def manifest_paths(manifest: Path, column: str = "path") -> list[str]:
    """The `path` column of a CSV or parquet manifest; relative paths are relative to the manifest's folder."""
    try:
        frame = pd.read_parquet(manifest) if manifest.suffix.lower() == ".parquet" else pd.read_csv(manifest)
    except Exception as error:  # pandas/pyarrow raise many kinds for a damaged table
        raise PredictInputError(f"Manifest {manifest} cannot be read: {str(error).strip().splitlines()[0]}",
                                hint="Give a CSV or parquet file with a `path` column.") from None
    if column not in frame.columns:
        raise PredictInputError(f"Manifest {manifest} has no `{column}` column; its columns are "
                                f"{', '.join(map(repr, map(str, frame.columns)))}.",
                                hint=f"Name the column of audio file paths `{column}`.")
    return [str(manifest.parent / p) for p in frame[column].astype(str)]


class _Featurise(Dataset):
    """Item i: `(i, windows of file i's features, "")`, or `(i, None, why)` when it cannot be classified."""

    def __init__(self, paths: list[str], extractor, sample_rate: int, window: int, max_seconds: float | None):
        self.paths, self.extractor, self.sample_rate = paths, extractor, sample_rate
        self.window, self.max_seconds = window, max_seconds

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        try:
            clip = read_clip(self.paths[i], self.sample_rate, self.max_seconds)
            return i, windows(self.extractor(clip.wave), self.window), ""
        except AudioInputError as error:
            return i, None, str(error)
        except Exception as error:  # a file that breaks the decoder: skipped, named, never a worker traceback
            return i, None, f"cannot be classified ({type(error).__name__}: {error})"


def _one(item):  # collate for batch_size=None: the worker's tuple as it is
    return item


def predict_paths(bundle, inputs: Sequence[str | os.PathLike], batch_size: int = 64, device: str = "auto",
                  num_workers: int | None = None, max_seconds: float | None = None,
                  progress: bool = False) -> Predictions:
    """Classify every audio file `inputs` name (files, folders, manifests) with a `ModelBundle`.

    Args:
        bundle: from `tasks.bundle.load_model_bundle`.
        inputs: audio files, folders (searched recursively) and CSV/parquet manifests with a `path` column.
        batch_size: windows the model classifies at once.
        device: `'auto'` (CUDA when available), `'cpu'`, `'cuda'`, ...
        num_workers: processes decoding files (default: up to 4, none for a handful of files).
        max_seconds: classify only the first `max_seconds` of each recording (None: all of it).
        progress: show a progress bar (on stderr).
    """
    from tqdm import tqdm

    paths, skipped, left_out = collect_inputs(inputs)
    result = Predictions(classes=list(bundle.classes), skipped=skipped, left_out=left_out)
    target = _device(device)
    model = bundle.model.to(target).eval()
    window = window_frames(bundle.extractor, bundle.window_seconds, bundle.sample_rate)
    if num_workers is None:
        num_workers = 0 if len(paths) < 16 else min(4, os.cpu_count() or 1)
    loader = DataLoader(_Featurise(paths, bundle.extractor, bundle.sample_rate, window, max_seconds),
                        batch_size=None, num_workers=num_workers, collate_fn=_one)
    sums = torch.zeros(len(paths), len(bundle.classes))
    counts = torch.zeros(len(paths), dtype=torch.long)
    errors: dict[int, str] = {}
    pending: list[tuple[int, torch.Tensor]] = []  # (file, window) not classified yet

    def classify_pending():
        for start in range(0, len(pending), batch_size):  # a long recording's windows: several batches
            chunk = pending[start:start + batch_size]
            with torch.no_grad():
                batch, lengths = pad_windows([w for _, w in chunk])
                probs = probabilities(model(batch.to(target), lengths.to(target))).cpu()
            owners = torch.tensor([i for i, _ in chunk])
            sums.index_add_(0, owners, probs)
            counts.index_add_(0, owners, torch.ones_like(owners))
        pending.clear()

    with tqdm(total=len(paths), desc="predict", unit="file", disable=not progress or quiet()) as bar:
        for i, parts, error in loader:
            if parts is None:
                errors[i] = error
            else:
                pending.extend((i, part) for part in parts)
                if len(pending) >= batch_size:
                    classify_pending()
            bar.update(1)
        if pending:
            classify_pending()
    done = [i for i in range(len(paths)) if i not in errors]
    result.paths = [paths[i] for i in done]
    result.probabilities = (sums[done] / counts[done, None]).numpy() if done else np.zeros((0, len(bundle.classes)))
    result.windows = [int(counts[i]) for i in done]
    result.skipped += [(paths[i], errors[i]) for i in sorted(errors)]
    return result


def _device(name: str) -> torch.device:
    """`name` as a torch device that exists here ('auto': the GPU when there is one)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise PredictInputError(f"--device {name!r} is not a device name.",
                                hint="Use auto, cpu, cuda or cuda:N (or mps on a Mac).") from None
    if device.type == "cuda" and (not torch.cuda.is_available() or (device.index or 0) >= torch.cuda.device_count()):
        raise PredictInputError(f"--device {name}: no such CUDA GPU is visible here "
                                f"({torch.cuda.device_count()} found).", hint="Use --device auto or --device cpu.")
    return device


def write_table(table: pd.DataFrame, output: Path) -> None:
    """Write the predictions atomically: CSV, or parquet when `output` ends in `.parquet`."""
    output = Path(output)
    writer = (lambda f: table.to_parquet(f, index=False)) if output.suffix.lower() == ".parquet" else \
        (lambda f: f.write(table.to_csv(index=False).encode()))
    atomic_write(output, writer)


@dataclass
class PredictReport:
    """What `predict_files` tells `ginpipe predict`: the number of files classified, and those skipped."""

    predicted: int
    skipped: list[tuple[str, str]]
    left_out: dict[str, int]


def predict_files(model_folder: str | os.PathLike, inputs: Sequence[str], output: str | os.PathLike | None = None,
                  top_k: int = 5, batch_size: int = 64, device: str = "auto", max_seconds: float | None = None,
                  progress: bool = True) -> PredictReport:
    """The `ginpipe predict` entry point: classify `inputs`, write the table to `output` (stdout when None)."""
    from .bundle import load_model_bundle

    bundle = load_model_bundle(model_folder)
    result = predict_paths(bundle, inputs, batch_size=batch_size, device=device, max_seconds=max_seconds,
                           progress=progress)
    table = result.table(top_k)
    if output is None and result.paths:
        print(table.to_csv(index=False), end="", flush=True)
    elif output is not None and result.paths:
        write_table(table, Path(output))
    return PredictReport(len(result.paths), result.skipped, dict(result.left_out))
