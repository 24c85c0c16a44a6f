"""`AudioFeatureDataset`: items of one split, read columnar from a `FeatureSet`."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..features.audio_io import load_audio
from ..features.feature_set import FeatureSet
from ..features.shard_file import ShardArrays


class AudioFeatureDataset(Dataset):
    """`(features (dim, frames) float32, target int)` for the rows `indices` of a `FeatureSet`.

    Row lookups index numpy and arrow arrays (no pandas, no per-row Python objects), so a million-row
    table costs a few arrays in memory and nothing per item in DataLoader workers.

    Args:
        features: the `FeatureSet` written by `extract_features`.
        targets: integer class of every row of the metadata.
        indices: metadata rows that belong to this split.
        crop_frames: longer items are cropped to this many feature frames; None keeps them whole.
        random_crop: crop at a random offset (training) rather than in the centre.
        memory_cache_bytes: keep loaded feature arrays in RAM up to this many bytes, so epochs
            after the first read no file (per process: use it with `num_workers=0` or persistent
            workers).

    Example:
        >>> ds = AudioFeatureDataset(feature_set, targets, np.flatnonzero(split == "train"), 96, True)
        >>> x, y = ds[0]  # doctest: +SKIP
    """

    def __init__(self, features: FeatureSet, targets: np.ndarray, indices: np.ndarray,
                 crop_frames: int | None = None, random_crop: bool = False, memory_cache_bytes: int = 0):
        self.features = features
        self.targets = np.ascontiguousarray(targets, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.crop_frames, self.random_crop = crop_frames, random_crop
        self.memory_cache_bytes = memory_cache_bytes
        self._memory: dict[int, np.ndarray] = {}
        self._memory_used = 0
        self._shards: dict[int, ShardArrays] = {}  # opened per process, on first use

    def __getstate__(self) -> dict:
        # Pickled (saved state, spawned workers) without the RAM cache and the open shards: they
        # are rebuilt on use.
        return {**self.__dict__, "_memory": {}, "_memory_used": 0, "_shards": {}}

    def _load(self, row: int) -> np.ndarray:
        fs = self.features
        if fs.sharded:  # a view of the memory-mapped shard: the page cache is the RAM cache
            assert fs.shard_files is not None and fs.shard_of_row is not None and fs.row_in_shard is not None
            shard = int(fs.shard_of_row[row])
            arrays = self._shards.get(shard)
            if arrays is None:
                arrays = self._shards[shard] = ShardArrays(fs.shard_files[shard])
            return arrays.item(int(fs.row_in_shard[row]))
        array = self._memory.get(row)
        if array is None:
            assert fs.feature_paths is not None  # not sharded: a file per row
            array = np.load(fs.feature_paths[row].as_py())
            if self._memory_used + array.nbytes <= self.memory_cache_bytes:
                self._memory[row] = array
                self._memory_used += array.nbytes
        return array

    def __len__(self) -> int:
        return len(self.indices)

    def _offset(self, length: int, crop: int) -> int:
        if length <= crop:
            return 0
        if self.random_crop:  # torch's RNG: seeded per DataLoader worker from the run's seed
            return int(torch.randint(0, length - crop + 1, ()).item())
        return (length - crop) // 2

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        row = int(self.indices[i])
        fs = self.features
        if fs.on_the_fly:
            x = self._extract(row)
        else:
            array = self._load(row)
            if self.crop_frames is not None:
                start = self._offset(array.shape[-1], self.crop_frames)
                array = array[..., start:start + self.crop_frames]
            # A shard's view is read-only (the mapped file): the item is copied out of it, once.
            x = torch.from_numpy(array if array.flags.writeable else np.array(array))
        return x, int(self.targets[row])

    def _extract(self, row: int) -> torch.Tensor:
        """Decode only the cropped stretch of audio, then extract its features."""
        fs = self.features
        rate, total = int(fs.source_rates[row]), int(fs.source_frames[row])
        start, count = 0, -1
        if self.crop_frames is not None:
            count = int(np.ceil(self.crop_frames / fs.frame_rate * rate))
            start = self._offset(total, count)
        x = fs.extractor(load_audio(fs.audio_paths[row].as_py(), fs.sample_rate, start, count))
        return x[..., :self.crop_frames] if self.crop_frames is not None else x
