"""The `load_dataset` task: readers' DataFrames, concatenated, probed, cleaned and filtered."""
from __future__ import annotations

from typing import Any, Callable, Literal, MutableMapping, Sequence

import pandas as pd
from loguru import logger

from .probe import probe_audio

Filter = Callable[[pd.DataFrame], pd.DataFrame] | str


class UnreadableAudioError(RuntimeError):
    """Raised by `load_dataset(on_bad_files='raise')` when some listed files cannot be used."""


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
    metadata = pd.concat(frames, ignore_index=True)
    metadata["path"] = metadata["path"].astype(str)
    metadata["label"] = metadata["label"].astype(str)

    info = probe_audio(metadata["path"].tolist(), n_jobs=n_jobs, engine=engine)
    metadata = pd.concat([metadata, info.drop(columns="error")], axis=1)
    bad = info["error"].str.len() > 0
    rejected = pd.DataFrame({"path": metadata.loc[bad, "path"], "reason": info.loc[bad, "error"]})
    if bad.any():
        listing = "\n".join(f"  {p}: {r}" for p, r in rejected.itertuples(index=False))
        message = f"{int(bad.sum())} of {len(metadata)} audio files are unreadable or empty:\n{listing}"
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
    state[rejected_key] = rejected.reset_index(drop=True)
    return state
