"""`ShardStream`: a split's items read shard by shard, for feature stores on network file systems.

A map-style `AudioFeatureDataset` reads items at random: right for a local disk, slow where each read
is a network round trip (NFS, Lustre). The stream instead reads each shard front to back, takes the
shards in an order shuffled every epoch, and mixes items through a shuffle buffer (as WebDataset
does), so a batch still draws from many shards.

Under DDP each rank reads its own shards: the split's items, in shard order, are cut into one
contiguous range per rank (a rank's range spans whole shards but for its two ends), of equal length:
as torch's `DistributedSampler` does, the last ranks repeat a few first items (fewer than the number
of ranks) so that every rank runs the same number of steps. Every item is read once per epoch, those
few twice. DataLoader workers of a rank share its shards out.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .dataset import AudioFeatureDataset


class ShardStream(IterableDataset):
    """Items of `dataset` (a sharded `AudioFeatureDataset`), streamed shard by shard.

    Args:
        dataset: the split's map-style dataset (its rows, targets and crops are reused).
        shuffle: shuffle the shard order every epoch and mix items through the buffer.
        shuffle_buffer: items held for mixing (memory: this many items per DataLoader worker).

    Example:
        >>> loader = DataLoader(ShardStream(train_dataset), batch_size=32, num_workers=4)  # doctest: +SKIP
    """

    def __init__(self, dataset: AudioFeatureDataset, shuffle: bool = True, shuffle_buffer: int = 1000):
        if not dataset.features.sharded:
            raise ValueError("ShardStream reads the feature store's shards: extract features with"
                             " `extract_features` (not on the fly) to stream them.")
        self.dataset, self.shuffle, self.shuffle_buffer = dataset, shuffle, max(1, shuffle_buffer)

    def __len__(self) -> int:
        _, world = _rank_and_world()
        return math.ceil(len(self.dataset) / world)

    def rank_positions(self, rank: int, world: int) -> np.ndarray:
        """Positions (into the split) that `rank` of `world` reads, in shard order."""
        fs = self.dataset.features
        assert fs.shard_of_row is not None and fs.row_in_shard is not None  # streamed: sharded
        rows = self.dataset.indices
        order = np.lexsort((fs.row_in_shard[rows], fs.shard_of_row[rows]))
        per = math.ceil(len(order) / world)
        padded = np.concatenate([order, order[:per * world - len(order)]])
        return padded[rank * per:(rank + 1) * per]

    def __iter__(self):
        rank, world = _rank_and_world()
        mine = self.rank_positions(rank, world)
        shard_of_row = self.dataset.features.shard_of_row
        assert shard_of_row is not None  # streamed: sharded
        shards = shard_of_row[self.dataset.indices[mine]]
        pieces = np.split(mine, np.flatnonzero(np.diff(shards)) + 1) if len(mine) else []
        rng = np.random.default_rng(_epoch_seed())
        if self.shuffle:
            rng.shuffle(pieces)
        info = get_worker_info()
        if info is not None:  # workers take turns over the shards
            pieces = pieces[info.id::info.num_workers]
        stream = (int(p) for piece in pieces for p in piece)
        if not self.shuffle:
            yield from (self.dataset[p] for p in stream)
            return
        buffer: list[int] = []
        for position in stream:
            if len(buffer) < self.shuffle_buffer:
                buffer.append(position)
                continue
            k = int(rng.integers(len(buffer)))
            buffer[k], position = position, buffer[k]
            yield self.dataset[position]
        rng.shuffle(buffer)
        yield from (self.dataset[p] for p in buffer)


def _rank_and_world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _epoch_seed() -> int:
    """A seed that changes every epoch and that a rank's DataLoader workers share.

    torch seeds worker `i` with `base + i`, where `base` is drawn from the rank's generator when
    the epoch's iterator starts (seeded from the run's seed); without workers the draw comes from
    the generator itself.
    """
    info = get_worker_info()
    if info is not None:
        return (info.seed - info.id) % 2**63
    return int(torch.empty((), dtype=torch.int64).random_().item())
