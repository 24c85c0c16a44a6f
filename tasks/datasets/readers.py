"""Readers: each turns a dataset layout on disk into a DataFrame of metadata, one row per file.

Every reader returns at least `path` (absolute, as text) and `label`; dataset-specific columns
(folds, speakers, official splits) are kept so `split_dataset` can use them. Audio is never read
here: `load_dataset` probes duration, sample rate and channels afterwards, for all readers at once.
"""
from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from loguru import logger

from .audio_formats import decodable_suffixes, left_out_reasons

# What `read_folder` keeps by default: every suffix the decoder (soundfile) reads, `.mp3` included.
AUDIO_EXTENSIONS = decodable_suffixes()
_SHOWN = (".wav", ".flac", ".ogg", ".mp3")  # a long suffix list is shown by its best-known members


def _require_folder(root: str | Path, what: str) -> Path:
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"{what} folder {folder} does not exist; set its path in the config"
                                f" (e.g. the dataset's ROOT macro).")
    return folder.resolve()


def read_folder(root: str | Path, extensions: Iterable[str] | None = None,
                exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Folder-per-class layout: `root/<label>/**/<audio file>`.

    Every file in a class folder is accounted for: the log says how many were left out and why (a
    suffix outside `extensions`, audio soundfile cannot decode such as `.m4a`, not audio, hidden),
    and so is audio not inside a class folder; files that are kept but unreadable are reported by
    `load_dataset`.

    Args:
        root: folder whose sub-folders are the classes.
        extensions: file suffixes to keep, compared case-insensitively; default: every format the
            audio backend (soundfile/libsndfile) decodes: wav, flac, ogg/opus, mp3, aiff, au, caf, ...
        exclude: class folder names to skip (e.g. `_background_noise_`).

    Example (gin):
        load_dataset.reader_fn = [@read_folder]
        read_folder.root = '/data/my_sounds'
    """
    folder = _require_folder(root, "Dataset")
    suffixes = set(AUDIO_EXTENSIONS if extensions is None else
                   (e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions))
    skipped = set(exclude)
    rows, other_suffixes, loose, hidden = [], [], 0, 0
    for entry in sorted(folder.iterdir()):
        if entry.is_file():
            # audio beside the class folders is data the user loses: counted. Other files there (a
            # README, a labels.csv, the markers ginpipe writes into a generated dataset) are not data.
            loose += entry.suffix.lower() in suffixes
            continue
        if not entry.is_dir() or entry.name in skipped or entry.name.startswith("."):
            continue
        for file in sorted(entry.rglob("*")):
            if not file.is_file():
                continue
            if file.name.startswith("."):  # .DS_Store, macOS `._clip.wav` resource forks: never audio
                hidden += 1
            elif file.suffix.lower() in suffixes:
                rows.append((str(file), entry.name))
            else:
                other_suffixes.append(file.suffix.lower())
    if not rows:
        raise NoAudioError(_no_audio(folder, sorted(suffixes), skipped))
    _log_left_out(folder, len(rows), left_out_reasons(other_suffixes, suffixes), loose, hidden)
    return pd.DataFrame(rows, columns=["path", "label"])


def _log_left_out(folder: Path, kept: int, reasons: Counter, loose: int, hidden: int) -> None:
    """One line: files kept, and every file left out counted by reason (a warning when audio was)."""
    parts = [f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    parts += [f"{loose} not inside a class folder"] if loose else []
    parts += [f"{hidden} hidden"] if hidden else []
    if not parts:
        logger.info(f"read_folder {folder}: {kept} audio files")
        return
    total = sum(reasons.values()) + loose + hidden
    line = f"read_folder {folder}: {kept} audio files; {total} file{'s' * (total != 1)} left out: {', '.join(parts)}"
    if any("not audio" not in reason for reason in reasons):  # audio was left out: the user may act on it
        logger.warning(line + ". Convert audio soundfile cannot decode (e.g. `ffmpeg -i x.m4a x.flac`),"
                       " or widen read_folder.extensions.")
    else:
        logger.info(line)


class NoAudioError(ValueError):
    """A dataset folder that exists but holds no audio file in the expected layout."""


def _no_audio(folder: Path, suffixes: list[str], skipped: set[str]) -> str:
    """Why a folder gave no rows, and what layout was expected."""
    shown = suffixes if len(suffixes) <= len(_SHOWN) else [s for s in _SHOWN if s in suffixes] + ["..."]
    expected = f"expected {folder}/<class>/<file>{'|'.join(shown)} (one sub-folder per class)"
    files = [p for p in itertools.islice(folder.rglob("*"), 10_000) if p.is_file()]
    loose = [p for p in files if p.parent == folder and p.suffix.lower() in suffixes]
    if loose:
        return (f"Dataset folder {folder} holds audio files ({loose[0].name}, ...) directly, not in class"
                f" sub-folders: {expected}.")
    if not files:
        return f"Dataset folder {folder} is empty: {expected}."
    shown_files = ", ".join(str(p.relative_to(folder)) for p in files[:3])
    note = f" (skipped: {', '.join(sorted(skipped))})" if skipped else ""
    return (f"Dataset folder {folder} holds no audio file{note}: {expected}; it holds {len(files)} other"
            f" file(s), e.g. {shown_files}. Set read_folder.extensions if your audio has another suffix.")


def read_manifest(path: str | Path, path_column: str = "path", label_column: str = "label",
                  audio_root: str | Path | None = None) -> pd.DataFrame:
    """A CSV or parquet table listing files; extra columns are kept.

    Relative paths are resolved against `audio_root`, or against the manifest's folder, with
    vectorised string operations (no call per row: a 10M-row manifest reads in seconds). Symbolic
    links in the folder part are resolved once; files keep the name the manifest gives them. String
    columns are Arrow-backed. A manifest with `frames` and `sample_rate` columns (samples per file,
    its own rate) is trusted by `load_dataset`: only rows lacking them have their header read.

    Example (gin):
        read_manifest.path = 'data/train.parquet'
        read_manifest.label_column = 'class'
    """
    manifest = Path(path).expanduser()
    if not manifest.is_file():
        raise FileNotFoundError(f"Manifest {manifest} does not exist.")
    # pre_buffer=False: column chunks are read as decoded, not all buffered first (100s of MB at 10M rows).
    table = (pq.read_table(manifest, pre_buffer=False) if manifest.suffix == ".parquet"
             else pa_csv.read_csv(manifest))
    missing = [c for c in (path_column, label_column) if c not in table.column_names]
    if missing:
        raise ManifestColumnError(
            f"Manifest {manifest} has no column {', '.join(map(repr, missing))}; its columns are"
            f" {', '.join(map(repr, table.column_names))}. Set read_manifest.path_column /"
            f" read_manifest.label_column{_did_you_mean_column(missing, table.column_names)}.")
    # large_string: pandas' `str` storage, so that to_pandas() below shares the buffers instead of copying.
    paths = pc.cast(table.column(path_column), pa.large_string())
    empty = pc.fill_null(pc.equal(paths, ""), True)
    if pc.any(empty).as_py():
        rows = pc.indices_nonzero(empty).to_pylist()
        raise ValueError(f"Manifest {manifest} has {len(rows)} row(s) without a {path_column!r} value"
                         f" (rows {', '.join(str(r + 1) for r in rows[:5])}{', ...' if len(rows) > 5 else ''},"
                         " counted from 1 after the header): remove them or fill them in.")
    base = Path(audio_root).expanduser() if audio_root is not None else manifest.parent
    # Columns are replaced in the Arrow table, which frees each old one: a 10M-row path column is
    # hundreds of MB, and a pandas round trip per step would hold several copies at once.
    position = table.column_names.index(path_column)
    table = table.remove_column(position)
    table = table.add_column(position, "path", absolute_paths(paths, base.resolve()))
    del paths
    table = _set_column(table, label_column, "label", pc.cast(table.column(label_column), pa.large_string()))
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()
    for column in ("frames", "sample_rate"):  # unreadable values become missing: those rows are probed
        if column in frame.columns and not pd.api.types.is_integer_dtype(frame[column]):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _set_column(table: pa.Table, old: str, new: str, values: pa.ChunkedArray | pa.Array) -> pa.Table:
    return table.set_column(table.column_names.index(old), new, values)


def absolute_paths(paths: pa.ChunkedArray | pa.Array, base: Path) -> pa.ChunkedArray:
    """`base / path` for relative paths, normalised (`a/./b`, `a//b`, `a/x/../b`), with Arrow compute.

    Only rows that need normalising are normalised; `..` needs a stack, so the rare rows holding one
    take `os.path.normpath` (Python per row, for those rows alone).

    Example:
        >>> absolute_paths(pa.array(["x.wav", "./a//b.wav", "/abs/c.wav", "a/../d.wav"]), Path("/data")).to_pylist()
        ['/data/x.wav', '/data/a/b.wav', '/abs/c.wav', '/data/d.wav']
    """
    paths = pa.chunked_array([paths]) if isinstance(paths, pa.Array) else paths
    folder = pa.scalar(str(base).rstrip("/"), paths.type)
    joined = pc.binary_join_element_wise(folder, paths, pa.scalar("/", paths.type))
    absolute = pc.starts_with(paths, "/")
    if pc.any(absolute).as_py():
        joined = pc.if_else(absolute, paths, joined)
    # Only rows holding `.`/`..` segments or `//` need normalising; the (short) input rows are
    # searched, once: the folder they are joined to is already normal.
    if not pc.any(pc.match_substring_regex(paths, r"(^|/)\.\.?(/|$)|//")).as_py():
        return joined
    messy = pc.match_substring_regex(joined, r"//|/\.(/|$)")
    parent = pc.match_substring_regex(joined, r"/\.\.(/|$)")
    if pc.any(messy).as_py():
        tidy = pc.replace_substring_regex(pc.filter(joined, messy), r"/(?:\./)*\.?/+", "/")
        tidy = pc.replace_substring_regex(tidy, r"(?:/\.)+$", "")
        joined = pc.replace_with_mask(_one_chunk(joined), _one_chunk(messy), _one_chunk(tidy))
    if pc.any(parent).as_py():
        normal = [os.path.normpath(p) for p in pc.filter(joined, parent).to_pylist()]
        joined = pc.replace_with_mask(_one_chunk(joined), _one_chunk(parent), pa.array(normal, paths.type))
    return joined if isinstance(joined, pa.ChunkedArray) else pa.chunked_array([joined])


def _one_chunk(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


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
