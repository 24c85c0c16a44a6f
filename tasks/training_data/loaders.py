"""The `get_dataloaders` task: one DataLoader per split, each configured through its gin scope."""
from __future__ import annotations

import functools
from typing import Callable, Mapping, MutableMapping

import numpy as np
from loguru import logger
from torch.utils.data import DataLoader

from .collate import pad_collate
from .dataset import AudioFeatureDataset
from .streaming import ShardStream

from ginpipe.io import declares_metrics

# Used when the config names no loaders; configs write
# `get_dataloaders.loaders = {'train': @train/torch.utils.data.DataLoader, ...}` and bind
# `train/torch.utils.data.DataLoader.batch_size = 32` and so on per scope.
_DEFAULT_LOADERS = {
    "train": functools.partial(DataLoader, batch_size=32, shuffle=True),
    "validation": functools.partial(DataLoader, batch_size=64),
    "test": functools.partial(DataLoader, batch_size=64),
}


@declares_metrics()  # no metric: a study cannot be judged by it
def get_dataloaders(state: MutableMapping, loaders: Mapping[str, Callable[..., DataLoader]] | None = None,
                    train_crop_seconds: float | None = None, memory_cache_mb: float = 512,
                    train_split: str = "train", streaming: bool = False, shuffle_buffer: int = 1000,
                    split_column: str = "split", target_column: str = "target",
                    key_in: str = "dataset_metadata", features_key: str = "features",
                    key_out: str = "dataloaders") -> MutableMapping:
    """Build `{split: DataLoader}` over the metadata and features, with dynamic padding.

    Args:
        state: pipeline state.
        loaders: split name -> DataLoader factory, called as `factory(dataset, collate_fn=...)`;
            gin scopes (`@train/torch.utils.data.DataLoader`) give each split its own settings.
            Splits absent from the metadata are skipped with a warning.
        train_crop_seconds: random crop length for the training split (items shorter than this are
            padded by the collate); None trains on whole items. Other splits are never cropped.
        memory_cache_mb: RAM per split for keeping loaded features, so epochs after the first read
            no file (per process: effective with `num_workers=0` or `persistent_workers=True`).
        train_split: the split that gets random crops.
        streaming: read the feature store's shards front to back (`ShardStream`: shard order
            shuffled every epoch, a shuffle buffer; under DDP each rank reads its own shards), for
            stores on network file systems. Default: random access to the memory-mapped shards.
        shuffle_buffer: items the stream mixes (training split only).
        split_column: metadata column written by `split_dataset`.
        target_column: metadata column written by `make_labels`.
        key_in: state key of the metadata.
        features_key: state key of the `FeatureSet`.
        key_out: state key of the DataLoaders dict (not worth saving: list it in `$keys_not_saved`).

    Example (gin):
        get_dataloaders.train_crop_seconds = 0.9
        train/torch.utils.data.DataLoader.batch_size = 32
    """
    metadata, features = state[key_in], state[features_key]
    if len(features) != len(metadata):
        raise ValueError(f"state[{features_key!r}] has {len(features)} rows but state[{key_in!r}] has"
                         f" {len(metadata)}: run extract_features after the metadata's last change.")
    split = metadata[split_column].astype(str).to_numpy()
    targets = metadata[target_column].to_numpy(np.int64)
    crop = None if train_crop_seconds is None else max(1, int(round(train_crop_seconds * features.frame_rate)))
    result = {}
    for name, factory in (loaders or _DEFAULT_LOADERS).items():
        indices = np.flatnonzero(split == name)
        if len(indices) == 0:
            logger.warning(f"split {name!r} is empty: no DataLoader for it")
            continue
        is_train = name == train_split
        dataset = AudioFeatureDataset(features, targets, indices, crop if is_train else None, is_train,
                                      memory_cache_bytes=int(memory_cache_mb * 2**20))
        if streaming:  # the stream shuffles (shards, buffer) itself: a DataLoader may not
            result[name] = factory(ShardStream(dataset, shuffle=is_train, shuffle_buffer=shuffle_buffer),
                                   collate_fn=pad_collate, shuffle=False)
        else:
            result[name] = factory(dataset, collate_fn=pad_collate)
        logger.info(f"{name}: {len(dataset)} items, batch size {result[name].batch_size}")
    state[key_out] = result
    return state
