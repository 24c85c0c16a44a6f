"""The `extract_features` task: every file's features computed once, in parallel, cached on disk."""
from __future__ import annotations

import io
import os
from typing import Any, MutableMapping

import numpy as np
import pyarrow as pa
import torch
from loguru import logger
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm  # not tqdm.auto: its asyncio class calls iter() twice on a DataLoader

from ginpipe.io import code_digest, must_recompute, quiet

from .audio_io import load_audio
from .cache import FeatureCache, hash_bytes
from .extractors import LogMel
from .feature_set import FeatureSet

# Counts extractions done in this process and its workers' reports; benchmarks and tests read it to
# show that epochs after the first recompute nothing.
EXTRACTION_COUNTER = {"computed": 0}


class NonFiniteAudioError(ValueError):
    """Audio files whose samples include NaN or infinity (float WAVs can hold them)."""


class _ExtractionJobs(Dataset):
    """Item k: make sure the files of chunk k have cached features; return, for each,
    (feature path, dim, frames, computed?, error): error is "" or why the file cannot be used.

    Chunks of files per item keep inter-process traffic small next to the work itself.
    """

    def __init__(self, paths: list[str], extractor: Any, cache: FeatureCache, chunk: int):
        self.paths, self.extractor, self.cache, self.chunk = paths, extractor, cache, chunk

    def __len__(self) -> int:
        return -(-len(self.paths) // self.chunk)

    def __getitem__(self, k: int) -> list[tuple[str, int, int, bool, str]]:
        return [self._one(path) for path in self.paths[k * self.chunk:(k + 1) * self.chunk]]

    def _one(self, path: str) -> tuple[str, int, int, bool, str]:
        with open(path, "rb") as f:
            data = f.read()  # read once: hashed here, and decoded from memory below if needed
        content = hash_bytes(data)
        # `ginpipe reproduce` recomputes (and rewrites) every file's features instead of reading them.
        cached = None if must_recompute() else self.cache.load(content, mmap=True)  # mmap: the header only
        if cached is not None:
            return str(self.cache.path(content)), cached.shape[0], cached.shape[-1], False, ""
        try:
            wave = load_audio(io.BytesIO(data), self.extractor.sample_rate)
            if not bool(torch.isfinite(wave).all()):  # reported by the caller, never cached
                return "", 0, 0, False, "NaN or infinite samples"
            features = self.extractor(wave)
        except Exception as e:  # truncated or corrupt: named by the caller, no worker traceback
            return "", 0, 0, False, f"cannot be decoded ({_first_line(e)})"
        saved = self.cache.save(content, features.numpy().astype(np.float32, copy=False))
        return str(saved), features.shape[0], features.shape[-1], True, ""


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _as_is(item):  # collate for batch_size=None: keep the worker's list as it is
    return item


def extract_features(state: MutableMapping, extractor: Any = None, on_the_fly: bool = False,
                     cache_dir: str = "data/generated/features", n_jobs: int | None = None,
                     progress: bool = True, key_in: str = "dataset_metadata",
                     key_out: str = "features") -> MutableMapping:
    """Compute features for every row of the metadata, or prepare on-the-fly extraction.

    Cached mode (default) hashes each file, and computes and stores features only for content not yet
    in `cache_dir` for these extractor settings; decoding runs in `n_jobs` worker processes with a
    progress bar. On-the-fly mode computes nothing here: the Dataset decodes audio per item, which
    allows random crops of the audio itself.

    Args:
        state: pipeline state.
        extractor: a callable `(1, T) -> (dim, frames)` with `sample_rate` and `settings()`;
            default `LogMel()`. Audio is resampled to `extractor.sample_rate` and mixed to mono.
        on_the_fly: skip the cache and extract in the DataLoader instead.
        cache_dir: cache root shared by experiments (relative paths are relative to the cwd).
        n_jobs: worker processes (default: every core; 0 runs in this process).
        progress: show a progress bar.
        key_in: state key of the metadata (needs `path`, `sample_rate`, `frames`).
        key_out: state key of the `FeatureSet` written.

    Example (gin):
        extract_features.extractor = @LogMel()
        LogMel.n_mels = 64
    """
    extractor = LogMel() if extractor is None else extractor
    metadata = state[key_in]
    paths = metadata["path"].astype(str).tolist()
    # One real extraction tells the feature size, whichever mode and extractor.
    probe = _probe(extractor, paths)
    feature_set = FeatureSet(
        extractor=extractor, on_the_fly=on_the_fly, audio_paths=pa.array(paths, pa.string()),
        source_rates=metadata["sample_rate"].to_numpy(np.int64),
        source_frames=metadata["frames"].to_numpy(np.int64),
        feature_dim=int(probe.shape[0]), frame_rate=float(extractor.frame_rate))
    if on_the_fly:
        logger.info(f"features computed on the fly by {extractor!r}")
        state[key_out] = feature_set
        return state

    # Keyed on the extractor's code too (its class, the helpers it calls, the constants they read):
    # an edited extractor computes new features, never its old ones.
    cache = FeatureCache(cache_dir, {**extractor.settings(), "code": code_digest(extractor)})
    cache.prepare()
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else n_jobs
    jobs = _ExtractionJobs(paths, extractor, cache, chunk=max(1, min(16, len(paths) // (4 * max(n_jobs, 1)))))
    # A DataLoader is torch's own fork-safe process pool: workers get one intra-op thread each.
    loader = DataLoader(jobs, batch_size=None, num_workers=n_jobs, collate_fn=_as_is,
                        prefetch_factor=4 if n_jobs else None)
    feature_paths, dims, frames, computed = [], set(), np.empty(len(paths), np.int64), 0
    bad, undecodable = [], []
    with tqdm(total=len(paths), desc="extract features", unit="file", disable=not progress or quiet()) as bar:
        for chunk in loader:
            for path, dim, n_frames, fresh, error in chunk:
                if error.startswith("cannot be decoded"):
                    undecodable.append((len(feature_paths), f"  {paths[len(feature_paths)]}: {error}"))
                elif error:
                    bad.append(f"  {paths[len(feature_paths)]}: {error}")
                else:
                    dims.add(dim)
                frames[len(feature_paths)] = n_frames
                feature_paths.append(path)
                computed += fresh
            bar.update(len(chunk))
    EXTRACTION_COUNTER["computed"] += computed
    if bad:
        raise NonFiniteAudioError(
            f"{len(bad)} of {len(paths)} audio files cannot be used:\n" + "\n".join(bad[:20])
            + ("\n  ..." if len(bad) > 20 else "")
            + "\nRemove them from the dataset (or from its manifest); a float WAV can store NaN, the"
              " model cannot learn from it.")
    if undecodable:  # the same rule as files unreadable at load time: load_dataset.on_bad_files
        keep = _drop_or_raise(undecodable, len(paths))
        metadata = metadata.loc[keep].reset_index(drop=True)
        state[key_in] = metadata
        feature_paths = [p for p, k in zip(feature_paths, keep) if k]
        frames = frames[keep]
        feature_set.audio_paths = pa.array(metadata["path"].astype(str).tolist(), pa.string())
        feature_set.source_rates = metadata["sample_rate"].to_numpy(np.int64)
        feature_set.source_frames = metadata["frames"].to_numpy(np.int64)
    if len(dims) != 1:
        raise RuntimeError(f"Extractor {extractor!r} returned different feature sizes {sorted(dims)}.")
    logger.info(f"features: {computed} computed, {len(paths) - computed} reused from {cache.folder}")
    feature_set.feature_paths = pa.array(feature_paths, pa.string())
    feature_set.num_frames = frames
    feature_set.cache_key = cache.key
    state[key_out] = feature_set
    return state


class UndecodableAudioError(ValueError):
    """Audio files that open but fail to decode (truncated or corrupt data)."""


def _probe(extractor: Any, paths: list[str]):
    """Features of the first file that decodes (a corrupt first file is reported with the others)."""
    errors = []
    for path in paths[:50]:
        try:
            wave = load_audio(path, extractor.sample_rate)
        except Exception as e:
            errors.append(f"  {path}: cannot be decoded ({_first_line(e)})")
            continue
        return extractor(wave)  # the extractor's own errors (a checkpoint that does not fit) are its own
    raise UndecodableAudioError(f"None of the first {len(errors)} audio files can be decoded:\n"
                                + "\n".join(errors[:10]) + "\nCheck the dataset's files (truncated copies?).")


def _drop_or_raise(undecodable: list[tuple[int, str]], total: int) -> np.ndarray:
    """A mask of the rows to keep; raises when `load_dataset.on_bad_files` is 'raise'."""
    import gin
    try:
        rule = gin.query_parameter("load_dataset.on_bad_files")
    except ValueError:  # not bound: load_dataset's default
        rule = "drop"
    listing = "\n".join(line for _, line in undecodable[:20]) + ("\n  ..." if len(undecodable) > 20 else "")
    message = f"{len(undecodable)} of {total} audio files cannot be decoded:\n{listing}"
    if rule == "raise":
        raise UndecodableAudioError(message + "\nReplace or remove them, or set"
                                    " `load_dataset.on_bad_files = 'drop'` to skip them.")
    logger.warning(message + "\nThey are dropped (`load_dataset.on_bad_files = 'raise'` fails instead).")
    keep = np.ones(total, bool)
    keep[[i for i, _ in undecodable]] = False
    if not keep.any():
        raise UndecodableAudioError(message + "\nNo file is left to train on.")
    return keep
