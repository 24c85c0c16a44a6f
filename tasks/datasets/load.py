"""The `load_dataset` task: readers' DataFrames, concatenated, probed, cleaned and filtered."""
from __future__ import annotations

from typing import Any, Callable, Literal, MutableMapping, Sequence

import numpy as np
import pandas as pd
from loguru import logger

from .probe import probe_audio

from ginpipe.io import declares_metrics

Filter = Callable[[pd.DataFrame], pd.DataFrame] | str


class UnreadableAudioError(RuntimeError):
    """Raised by `load_dataset(on_bad_files='raise')` when some listed files cannot be used."""


@declares_metrics()  # no metric: a study cannot be judged by it
def load_dataset(state: MutableMapping, reader_fn: Sequence[Callable[[], pd.DataFrame]] = (),
                 filters: Sequence[Filter] = (), on_bad_files: Literal["drop", "raise"] = "drop",
                 n_jobs: int | None = None, engine: Any = None, key_out: str = "dataset_metadata",
                 rejected_key: str = "rejected_files") -> MutableMapping:
    """Build the metadata table: one row per usable audio file, audio left on disk.

    Args:
        state: pipeline state.
        reader_fn: readers called with no arguments (configure them in gin), each returning a
            DataFrame with `path` and `label`; results are concatenated in order (GinPipe's
            `load_dataset.reader_fn += [@read_folder]` adds one).
        filters: applied after probing, in order: a callable `DataFrame -> DataFrame`, or a
            `DataFrame.query` string such as `'duration >= 0.5'`.
        on_bad_files: `'drop'` logs unreadable, empty or zero-length files (count and list) and
            removes them; `'raise'` fails here, before any training starts.
        n_jobs: threads for reading audio headers (default: 4 per core).
        engine: the `DataEngine` whose jobs read the headers (default: `--cluster`, else here).
        key_out: state key of the metadata DataFrame.
        rejected_key: state key of the dropped files and their reasons.

    Example (gin):
        load_dataset.reader_fn = [@read_synthetic]
        load_dataset.filters = ['duration > 0.25']
    """
    if not reader_fn:
        raise ValueError("load_dataset.reader_fn is empty: list at least one reader, e.g."
                         " `load_dataset.reader_fn = [@read_synthetic]`.")
    frames = []
    for reader in reader_fn:
        frame = reader()
        missing = {"path", "label"} - set(frame.columns)
        if missing:
            name = getattr(reader, "__name__", repr(reader))
            raise ValueError(f"Reader {name} returned no {sorted(missing)} column(s);"
                             f" it returned {list(frame.columns)}.")
        frames.append(frame)
    # One reader's table is used as it is: concatenating copies every column (GBs at 10M rows).
    metadata = frames[0].reset_index(drop=True) if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    for column in ("path", "label"):  # pandas' `str`: Arrow-backed
        if metadata[column].dtype != "str":
            metadata[column] = metadata[column].astype(str)

    metadata, bad, reasons = _with_audio_info(metadata, n_jobs, engine)
    rejected = pd.DataFrame({"path": metadata["path"][bad].to_numpy(), "reason": reasons})
    if len(rejected):
        listing = "\n".join(f"  {p}: {r}" for p, r in rejected.itertuples(index=False))
        message = f"{len(rejected)} of {len(metadata)} audio files are unreadable or empty:\n{listing}"
        if on_bad_files == "raise":
            raise UnreadableAudioError(message + "\nRemove them, or set"
                                       " `load_dataset.on_bad_files = 'drop'` to skip them.")
        logger.warning(message + "\nThey are dropped (`load_dataset.on_bad_files = 'raise'` fails instead).")
        metadata = metadata.loc[~bad].reset_index(drop=True)

    for item in filters:
        before = len(metadata)
        metadata = metadata.query(item) if isinstance(item, str) else item(metadata)
        metadata = metadata.reset_index(drop=True)
        logger.info(f"filter {getattr(item, '__name__', item)!s}: {before} -> {len(metadata)} rows")
    if metadata.empty:
        raise ValueError("load_dataset produced no rows: every file was dropped or filtered out.")
    logger.info(f"loaded {len(metadata)} files, {metadata['label'].nunique()} labels,"
                f" {metadata['duration'].sum() / 3600:.2f} h of audio")
    state[key_out] = metadata
    state[rejected_key] = rejected
    return state


def _trusted_rows(metadata: pd.DataFrame) -> np.ndarray:
    """Rows whose reader gave `frames` and `sample_rate` (a manifest's columns): no header is read for them."""
    if not {"frames", "sample_rate"} <= set(metadata.columns):
        return np.zeros(len(metadata), bool)
    frames = pd.to_numeric(metadata["frames"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    rates = pd.to_numeric(metadata["sample_rate"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    return (frames > 0) & (rates > 0)


def _with_audio_info(metadata: pd.DataFrame, n_jobs: int | None,
                     engine: Any = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The metadata with `frames`, `sample_rate`, `channels` and `duration`; which rows are unusable, and why.

    Rows a reader already described are trusted; only the others are probed (their headers read),
    so a 10M-row manifest with those columns costs no file access here.
    """
    trusted = _trusted_rows(metadata)
    frames = np.zeros(len(metadata), np.int64)
    rates = np.zeros(len(metadata), np.int32)
    channels = (pd.to_numeric(metadata["channels"], errors="coerce").astype("Int16") if "channels" in metadata
                else pd.Series(pd.NA, index=metadata.index, dtype="Int16"))
    if trusted.any():
        frames[trusted] = metadata["frames"].to_numpy()[trusted]
        rates[trusted] = metadata["sample_rate"].to_numpy()[trusted]
    probed = np.flatnonzero(~trusted)
    bad, reasons = np.zeros(len(metadata), bool), np.array([], dtype=object)
    if len(probed):
        info = probe_audio(metadata["path"].iloc[probed].tolist(), n_jobs=n_jobs, engine=engine)
        frames[probed], rates[probed] = info["frames"].to_numpy(), info["sample_rate"].to_numpy()
        channels.iloc[probed] = info["channels"].to_numpy()
        failed = (info["error"].str.len() > 0).to_numpy()
        bad[probed[failed]] = True
        reasons = info.loc[failed, "error"].astype(str).to_numpy()
    if trusted.any():
        logger.info(f"audio headers: {int(trusted.sum())} rows described by their reader (frames, sample_rate),"
                    f" {len(probed)} read from the files")
    metadata = metadata.assign(frames=frames, sample_rate=rates, channels=channels,
                               duration=frames / np.where(rates > 0, rates, 1))
    return metadata, bad, reasons
