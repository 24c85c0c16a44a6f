"""`FeatureSet`: what `extract_features` hands to `get_dataloaders`, stored columnar.

Paths live in pyarrow string arrays and lengths in numpy arrays: a million rows take tens of MB,
pickle quickly to DataLoader workers, and reading row `i` touches no Python object per row (forked
workers do not copy pages by bumping reference counts, as they would with a list of str).
"""
from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # torch, imported by the extractors, is not needed to hold their features
    from .extractors import Extractor


@dataclass
class FeatureSet:
    """Features for every metadata row, cached on disk or computed on the fly."""

    extractor: Extractor  # the callable `(1, T) waveform -> (feature_dim, frames)`, with `settings()`
    on_the_fly: bool  # True: the Dataset decodes audio and extracts per item (random crops of audio)
    audio_paths: pa.Array  # source audio per row, aligned with the metadata it was built from
    source_rates: np.ndarray  # int: sample rate of each source file
    source_frames: np.ndarray  # int: length of each source file, in its own samples
    feature_dim: int  # size of the first axis of every feature array
    frame_rate: float  # feature frames per second
    feature_paths: pa.Array | None = None  # a `.npy` file per row (features stored elsewhere)
    num_frames: np.ndarray | None = None  # feature frames per row (None on the fly)
    cache_key: str | None = None  # the store folder these features came from (`store-<key>`)
    shard_files: list[str] | None = None  # the feature store's shards these rows are in
    shard_of_row: np.ndarray | None = None  # int32: index into `shard_files` of each row
    row_in_shard: np.ndarray | None = None  # int32: the row's place in its shard

    def __len__(self) -> int:
        return len(self.audio_paths)

    @property
    def sharded(self) -> bool:
        return self.shard_files is not None

    @property
    def sample_rate(self) -> int:
        return int(self.extractor.sample_rate)
