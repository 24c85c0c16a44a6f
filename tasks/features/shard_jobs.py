"""Shards of clips as units of work: how files are grouped, and the job that computes one shard.

Grouping is content-defined (as restic and FastCDC cut files into chunks): among the files to
compute, sorted by path, a shard that holds at least half the shard size ends after a path whose hash
is 0 modulo half the shard size (or once it holds twice the shard size): shards of about the shard
size, never tiny (the jobs stay balanced). A shard's members thus depend on the paths themselves, not
on their positions: files added to a dataset change only the shards they land in (and rarely the
next one), and a resumed run regroups the files of the unfinished shards as the killed run did, so
their names (a digest of their members) are the same.
"""
from __future__ import annotations

import hashlib
import io
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .audio_io import load_audio
from .shard_file import DamagedShardError, verify_shard, write_shard

_CAP = 2  # a shard holds at most this many times the shard size


@dataclass
class ShardJob:
    """Everything a worker needs for one shard: no ginpipe state, no shared memory."""

    path: str  # the shard file to write
    paths: list[str]
    sizes: list[int]
    mtimes: list[int]
    extractor: Any
    recompute: bool = False  # write the shard even when a whole one is there (`ginpipe reproduce`)


def plan_shards(paths: list[str], shard_size: int) -> list[list[int]]:
    """Indices into `paths`, grouped into shards (content-defined boundaries, see the module)."""
    order = sorted(range(len(paths)), key=paths.__getitem__)
    half = max(1, shard_size // 2)
    shards, current = [], []
    for i in order:
        current.append(i)
        if (len(current) >= half and zlib.crc32(paths[i].encode()) % half == 0) or len(current) >= _CAP * shard_size:
            shards.append(current)
            current = []
    if current:
        shards.append(current)
    return shards


def shard_name(store_key: str, paths: list[str], sizes: list[int], mtimes: list[int]) -> str:
    """The shard's file name: a digest of the store and of its members as they are on disk now."""
    digest = hashlib.blake2b(store_key.encode(), digest_size=12)
    for path, size, mtime in zip(paths, sizes, mtimes):
        digest.update(f"\n{path}\t{size}\t{mtime}".encode())
    return f"{digest.hexdigest()}.arrow"


def compute_shard(job: ShardJob) -> bool:
    """Write the shard's file; False when a whole one is there already (the job ran before: a
    rescheduled job of a lost worker, or a resumed run), True when it was computed here."""
    target = Path(job.path)
    if target.is_file() and not job.recompute:
        try:
            verify_shard(target)  # whole: the store records it as it is now, trusted from then on
            return False
        except DamagedShardError:
            pass  # rewritten below
    rows, waves = [], []
    for path, size, mtime in zip(job.paths, job.sizes, job.mtimes):
        row = {"path": path, "size": size, "mtime_ns": mtime, "content": "", "dim": 0, "frames": 0, "error": ""}
        rows.append(row)
        waves.append(_decode(path, job.extractor.sample_rate, row))
    features = _extract(job.extractor, waves)
    for row, array in zip(rows, features):
        if array is not None:
            row["dim"], row["frames"] = int(array.shape[0]), int(array.shape[-1])
    write_shard(target, rows, features)
    return True


def _decode(path: str, sample_rate: int, row: dict) -> torch.Tensor | None:
    """The file's waveform, or None with `row['error']` saying why it cannot be used."""
    try:
        with open(path, "rb") as f:
            data = f.read()  # read once: hashed here, decoded from memory below
    except OSError as e:  # a worker that cannot see or read the file
        row["error"] = f"cannot be read ({_first_line(e)})"
        return None
    row["content"] = hashlib.blake2b(data, digest_size=16).hexdigest()
    try:
        wave = load_audio(io.BytesIO(data), sample_rate)
    except Exception as e:  # truncated or corrupt: named by the caller, no worker traceback
        row["error"] = f"cannot be decoded ({_first_line(e)})"
        return None
    if not all_finite(wave):  # reported by the caller, never stored as features
        row["error"] = "NaN or infinite samples"
        return None
    return wave


def all_finite(wave: torch.Tensor) -> bool:
    """No NaN or infinite sample. A float64 sum of float32 samples is finite exactly when every
    sample is (it cannot overflow), and costs a fifth of `torch.isfinite(wave).all()` per clip."""
    return math.isfinite(wave.numpy().sum(dtype=np.float64))


def _extract(extractor: Any, waves: list[torch.Tensor | None]) -> list[np.ndarray | None]:
    """Features of each wave; a model extractor (`extract_batch`) gets them `batch_size` at a time."""
    features: list[np.ndarray | None] = [None] * len(waves)
    good = [i for i, w in enumerate(waves) if w is not None]
    batch = getattr(extractor, "extract_batch", None)
    if batch is None:
        for i in good:
            features[i] = _as_array(extractor(waves[i]))
        return features
    size = max(1, int(getattr(extractor, "batch_size", 16)))
    with torch.inference_mode():
        for start in range(0, len(good), size):
            chunk = good[start:start + size]
            for i, result in zip(chunk, batch([waves[i] for i in chunk])):
                features[i] = _as_array(result)
    return features


def _as_array(features: torch.Tensor) -> np.ndarray:
    return features.detach().to("cpu", torch.float32).numpy()


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
