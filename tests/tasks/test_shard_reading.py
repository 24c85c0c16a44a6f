"""Training reads the feature store's shards: map-style (memory-mapped, random access) and streaming
(shard order shuffled, a shuffle buffer), one process and DDP on 2 CPU ranks (gloo)."""
from __future__ import annotations

import functools
import json
import multiprocessing
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from torch.utils.data import DataLoader

from tasks.training_data.collate import pad_collate
from tasks.training_data.dataset import AudioFeatureDataset
from tasks.training_data.loaders import get_dataloaders
from tasks.training_data.streaming import ShardStream
from tests.support.servers import free_port
from tests.tasks.test_feature_store import extract, tones

N = 101  # odd: two ranks cannot split it evenly


@pytest.fixture(scope="module")
def feature_set(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shards")
    features, _, _ = extract(tones(folder / "audio", N), folder / "store")
    assert len(features.shard_files) >= 4
    return features


def dataset(features):
    """Every row, with its own row number as target: a batch's `y` says which items it holds."""
    return AudioFeatureDataset(features, np.arange(N), np.arange(N))


def rows(loader) -> list[int]:
    return [int(y) for batch in loader for y in batch["y"]]


def test_the_stream_reads_every_item_once_in_a_new_order_each_epoch(feature_set):
    stream = ShardStream(dataset(feature_set), shuffle_buffer=8)
    loader = DataLoader(stream, batch_size=10, num_workers=2, collate_fn=pad_collate)
    first, second = rows(loader), rows(loader)
    assert sorted(first) == sorted(second) == list(range(N)) and len(loader.dataset) == N
    assert first != second
    # Items equal what random access reads.
    x, y = next(iter(ShardStream(dataset(feature_set), shuffle=False)))
    np.testing.assert_array_equal(x.numpy(), dataset(feature_set)[y][0].numpy())
    # Unshuffled, the stream reads shard by shard, each shard front to back.
    order = [y for _, y in ShardStream(dataset(feature_set), shuffle=False)]
    assert order == sorted(order, key=lambda r: (feature_set.shard_of_row[r], feature_set.row_in_shard[r]))


def test_get_dataloaders_streams_the_training_split(feature_set):
    metadata = pd.DataFrame({"split": ["train"] * 80 + ["test"] * (N - 80), "target": np.arange(N)})
    state = {"dataset_metadata": metadata, "features": feature_set}
    get_dataloaders(state, loaders={"train": functools.partial(DataLoader, batch_size=16, shuffle=True),
                                    "test": functools.partial(DataLoader, batch_size=16)},
                    streaming=True, shuffle_buffer=16)
    train, test = state["dataloaders"]["train"], state["dataloaders"]["test"]
    assert isinstance(train.dataset, ShardStream) and sorted(rows(train)) == list(range(80))
    assert rows(test) == sorted(rows(test), key=lambda r: (feature_set.shard_of_row[r], feature_set.row_in_shard[r]))


def _rank(rank: int, port: int, features, out: str) -> None:
    import torch.distributed as dist
    from torch.utils.data.distributed import DistributedSampler

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    try:
        seen = {"stream": [], "map": []}
        stream = DataLoader(ShardStream(dataset(features), shuffle_buffer=8), batch_size=8,
                            num_workers=2, collate_fn=pad_collate)
        sampler = DistributedSampler(dataset(features), shuffle=True, seed=0)  # what Lightning injects
        mapped = DataLoader(dataset(features), batch_size=8, sampler=sampler, collate_fn=pad_collate)
        for epoch in range(2):
            sampler.set_epoch(epoch)
            seen["stream"].append(rows(stream))
            seen["map"].append(rows(mapped))
        with open(out, "w") as f:
            json.dump(seen, f)
    finally:
        dist.destroy_process_group()


def test_ddp_on_two_cpu_ranks_reads_every_item_once_per_epoch(feature_set, tmp_path):
    port = free_port()
    context = multiprocessing.get_context("fork")
    ranks = [context.Process(target=_rank, args=(r, port, feature_set, str(tmp_path / f"rank{r}.json")))
             for r in range(2)]
    for process in ranks:
        process.start()
    for process in ranks:
        process.join(timeout=300)
        assert process.exitcode == 0
    seen = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    for mode in ("stream", "map"):
        for epoch in range(2):
            both = seen[0][mode][epoch] + seen[1][mode][epoch]
            assert len(seen[0][mode][epoch]) == len(seen[1][mode][epoch]) == 51  # the same steps
            assert set(both) == set(range(N))  # every item, and one repeated to even the ranks out
            assert [r for r, n in Counter(both).items() if n > 1].__len__() == 1
    # Streaming: each rank reads its own shards (they share at most the one the cut falls in).
    shards = [{int(feature_set.shard_of_row[r]) for r in seen[k]["stream"][0]} for k in range(2)]
    assert len(shards[0] & shards[1]) <= 2
