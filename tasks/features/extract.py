"""The `extract_features` task: every file's features computed once, shard by shard, into the store."""
from __future__ import annotations

from typing import Any, MutableMapping

import numpy as np
import pandas as pd
import pyarrow as pa
from loguru import logger

from ginpipe.io import declare_input, declares_metrics, must_recompute

from ..engine import DataEngine
from .audio_io import load_audio
from .extractors import LogMel
from .feature_set import FeatureSet
from .shard_jobs import ShardJob, compute_shard, plan_shards, shard_name
from .store import FeatureStore

# Counts files (and shards) extracted by this process's jobs; benchmarks and tests read it to show
# that what the store holds is never computed again.
EXTRACTION_COUNTER = {"computed": 0, "shards": 0}


class NonFiniteAudioError(ValueError):
    """Audio files whose samples include NaN or infinity (float WAVs can hold them)."""


@declares_metrics()  # no metric: a study cannot be judged by it
def extract_features(state: MutableMapping, extractor: Any = None, on_the_fly: bool = False,
                     cache_dir: str = "data/generated/features", shard_size: int = 1000,
                     engine: DataEngine | None = None, n_jobs: int | None = None,
                     progress: bool = True, key_in: str = "dataset_metadata",
                     key_out: str = "features") -> MutableMapping:
    """Compute features for every row of the metadata, or prepare on-the-fly extraction.

    Stored mode (default): the files the feature store (`cache_dir`, one store per extractor settings
    and code) does not hold yet, as told by their path, size and mtime, are grouped into shards of
    about `shard_size` clips, and each shard is one job of the data engine (this machine's cores, or
    the Dask cluster of `--cluster`), written as one Arrow IPC file. On-the-fly mode computes nothing
    here: the Dataset decodes audio per item, which allows random crops of the audio itself.

    Args:
        state: pipeline state.
        extractor: a callable `(1, T) -> (dim, frames)` with `sample_rate` and `settings()`;
            default `LogMel()`. Audio is resampled to `extractor.sample_rate` and mixed to mono. A
            model with `extract_batch(waves) -> features` and `batch_size` is run in batches, in this
            process (one model copy, on its device) or once per cluster worker.
        on_the_fly: skip the store and extract in the DataLoader instead.
        cache_dir: root of the feature stores shared by experiments (relative to the cwd).
        shard_size: clips per shard (on average): the unit of work, caching and resumption.
        engine: where the jobs run (default `DataEngine()`: `--cluster` if given, else this machine).
        n_jobs: local worker processes when no engine is given (default: every core; 0: this process).
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
    if on_the_fly:
        feature_set = _feature_set(extractor, metadata, on_the_fly=True,
                                   feature_dim=int(_probe(extractor, paths).shape[0]))
        logger.info(f"features computed on the fly by {extractor!r}")
        state[key_out] = feature_set
        return state

    engine = engine or DataEngine(n_jobs=n_jobs, progress=progress)
    store = FeatureStore(cache_dir, extractor)
    store.prepare()
    index = store.read_index()
    recompute = must_recompute()  # `ginpipe reproduce`: every shard computed again
    located, index = store.locate(paths, index, recompute=recompute)
    missing = np.flatnonzero(located["shard"].isna().to_numpy())
    jobs = _jobs(store, located, missing, extractor, shard_size, recompute)
    computed, files = 0, 0
    in_process = hasattr(extractor, "extract_batch")
    for i, fresh in engine.map(compute_shard, jobs, desc="extract features", in_process=in_process):
        computed += fresh
        files += len(jobs[i].paths) * fresh
    if jobs or store.stats_recorded or len(index) != _index_rows(store):
        index = store.add_to_index(index, [_file_name(job.path) for job in jobs])
        located = located[["path", "size", "mtime_ns"]].merge(index, on=["path", "size", "mtime_ns"], how="left")
    EXTRACTION_COUNTER["computed"] += files
    EXTRACTION_COUNTER["shards"] += computed
    if located["shard"].isna().any():  # a file changed while it was extracted: its stats moved on
        raise RuntimeError(f"{int(located['shard'].isna().sum())} files changed during extraction: run again.")

    errors = located["error"].fillna("").astype(str).to_numpy()
    _raise_non_finite(paths, errors)
    keep = np.ones(len(paths), bool)
    undecodable = [(int(i), f"  {paths[i]}: {errors[i]}") for i in np.flatnonzero(errors != "")]
    if undecodable:  # the same rule as files unreadable at load time: load_dataset.on_bad_files
        keep = _drop_or_raise(undecodable, len(paths))
        metadata = metadata.loc[keep].reset_index(drop=True)
        state[key_in] = metadata
        located = located.loc[keep].reset_index(drop=True)
    dims = set(located["dim"].astype(int).unique())
    if len(dims) != 1:
        raise RuntimeError(f"Extractor {extractor!r} returned different feature sizes {sorted(dims)}.")
    shard_names, shard_of_row = np.unique(located["shard"].astype(str).to_numpy(), return_inverse=True)
    feature_set = _feature_set(extractor, metadata, on_the_fly=False, feature_dim=int(dims.pop()))
    feature_set.shard_files = [str(store.shard_path(n)) for n in shard_names]
    for shard in feature_set.shard_files:  # the later tasks read them: one damaged since reruns this task
        declare_input(shard)  # (the store then names it and extracts its files again)
    feature_set.shard_of_row = shard_of_row.astype(np.int32)
    feature_set.row_in_shard = located["row"].to_numpy(np.int32)
    feature_set.num_frames = located["frames"].to_numpy(np.int64)
    feature_set.cache_key = store.key
    logger.info(f"features: {files} files computed in {computed} shards, {len(paths) - files} reused"
                f" from {store.folder} ({len(shard_names)} shard files)")
    state[key_out] = feature_set
    return state


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _index_rows(store: FeatureStore) -> int:
    """Rows of the index file on disk (-1: none), to tell whether it must be rewritten."""
    if not store.index_path.is_file():
        return -1
    try:
        return pa.ipc.open_file(pa.memory_map(str(store.index_path), "r")).read_all().num_rows
    except (pa.ArrowInvalid, OSError):
        return -1


def _jobs(store: FeatureStore, located: pd.DataFrame, missing: np.ndarray, extractor: Any,
          shard_size: int, recompute: bool = False) -> list[ShardJob]:
    paths = located["path"].to_numpy()[missing].tolist()
    sizes = located["size"].to_numpy()[missing].tolist()
    mtimes = located["mtime_ns"].to_numpy()[missing].tolist()
    jobs = []
    for members in plan_shards(paths, shard_size):
        p, s, m = [paths[i] for i in members], [sizes[i] for i in members], [mtimes[i] for i in members]
        jobs.append(ShardJob(str(store.shard_path(shard_name(store.key, p, s, m))), p, s, m, extractor,
                             recompute))
    # Largest first: the last jobs to start are the short ones, so the cores finish together.
    return sorted(jobs, key=lambda job: -sum(job.sizes))


def _feature_set(extractor: Any, metadata: pd.DataFrame, on_the_fly: bool, feature_dim: int) -> FeatureSet:
    return FeatureSet(
        extractor=extractor, on_the_fly=on_the_fly, audio_paths=pa.array(metadata["path"].astype(str), pa.string()),
        source_rates=metadata["sample_rate"].to_numpy(np.int64), source_frames=metadata["frames"].to_numpy(np.int64),
        feature_dim=feature_dim, frame_rate=float(extractor.frame_rate))


def _raise_non_finite(paths: list[str], errors: np.ndarray) -> None:
    bad = [f"  {paths[i]}: {errors[i]}" for i in np.flatnonzero(errors == "NaN or infinite samples")]
    if bad:
        raise NonFiniteAudioError(
            f"{len(bad)} of {len(paths)} audio files cannot be used:\n" + "\n".join(bad[:20])
            + ("\n  ..." if len(bad) > 20 else "")
            + "\nRemove them from the dataset (or from its manifest); a float WAV can store NaN, the"
              " model cannot learn from it.")


class UndecodableAudioError(ValueError):
    """Audio files that open but fail to decode (truncated or corrupt data)."""


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


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
    decoding_only = all(": cannot be decoded" in line for _, line in undecodable)
    what = "cannot be decoded" if decoding_only else "cannot be read or decoded"
    message = f"{len(undecodable)} of {total} audio files {what}:\n{listing}"
    if rule == "raise":
        raise UndecodableAudioError(message + "\nReplace or remove them, or set"
                                    " `load_dataset.on_bad_files = 'drop'` to skip them.")
    logger.warning(message + "\nThey are dropped (`load_dataset.on_bad_files = 'raise'` fails instead).")
    keep = np.ones(total, bool)
    keep[[i for i, _ in undecodable]] = False
    if not keep.any():
        raise UndecodableAudioError(message + "\nNo file is left to train on.")
    return keep
