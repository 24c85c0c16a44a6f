"""Reads audio headers (not samples) for many files in parallel, recording failures instead of raising.

Probing is a map job over shards of paths on the data engine: on this machine each shard's headers
are read by threads (libsndfile releases the GIL, and the work is I/O); on a Dask cluster
(`--cluster`) the shards go to its workers, which read the files where they are mounted.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np
import pandas as pd
import soundfile as sf

from ..engine import DataEngine

_SHARD = 4096  # paths per job: enough to keep the threads of one job busy


def _probe_one(path: str) -> tuple[int, int, int, str]:
    """(frames, sample_rate, channels, error) for one file; error is '' when readable."""
    try:
        if os.path.getsize(path) == 0:
            return 0, 0, 0, "empty file (0 bytes)"
        info = sf.info(path)
    except Exception as e:  # libsndfile raises for corrupt headers and unknown formats alike
        return 0, 0, 0, f"{type(e).__name__}: {e}".strip()
    if info.frames <= 0:
        return 0, info.samplerate, info.channels, "zero-length audio (0 frames)"
    return info.frames, info.samplerate, info.channels, ""


class _ProbeShard:
    """The job: header info of one shard's paths, read by `threads` threads."""

    def __init__(self, threads: int):
        self.threads = threads

    def __call__(self, paths: Sequence[str]) -> list[tuple[int, int, int, str]]:
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(_probe_one, paths, chunksize=64))


def probe_audio(paths: Sequence[str], n_jobs: int | None = None, progress: bool = True,
                engine: Any = None) -> pd.DataFrame:
    """Header info for every path: `frames`, `sample_rate`, `channels`, `duration`, `error`.

    Args:
        paths: audio files.
        n_jobs: threads per job (default: 4 per core).
        progress: show a progress bar (for more than one job).
        engine: the `DataEngine` the jobs run on (default: `--cluster` if given, else this process).

    Example:
        >>> probe_audio(["missing.wav"], progress=False)["error"].str.startswith("LibsndfileError")[0]
        True
    """
    paths = list(paths)
    engine = engine or DataEngine()
    shards = [paths[i:i + _SHARD] for i in range(0, len(paths), _SHARD)]
    results: list = [None] * len(shards)
    job = _ProbeShard(n_jobs or (os.cpu_count() or 1) * 4)
    for i, result in engine.map(job, shards, desc="probe audio", unit="shard", in_process=True,
                                progress=progress and len(paths) >= 256):
        results[i] = result
    flat = [r for shard in results for r in shard]
    frames, rates, channels, errors = zip(*flat) if flat else ((), (), (), ())
    frame = pd.DataFrame({
        "frames": np.asarray(frames, dtype=np.int64),
        "sample_rate": np.asarray(rates, dtype=np.int32),
        "channels": np.asarray(channels, dtype=np.int16),
        "error": pd.Series(errors, dtype="string"),
    })
    frame["duration"] = frame["frames"] / frame["sample_rate"].where(frame["sample_rate"] > 0, 1)
    return frame
