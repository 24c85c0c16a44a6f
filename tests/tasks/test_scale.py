"""A million rows of metadata: vectorised split and labels, and a Dataset that stores it columnar."""
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa

from tasks.training_data.dataset import AudioFeatureDataset
from tasks.features.extractors import LogMel
from tasks.features.feature_set import FeatureSet
from tasks.labels import make_labels
from tasks.split import split_dataset, split_random

N = 1_000_000


def test_million_rows_split_label_and_index_columnar(state, tmp_path):
    rng = np.random.default_rng(0)
    words = np.array([f"word{i:02d}" for i in range(35)])
    meta = pd.DataFrame({
        "path": [f"/datasets/speech/word/speaker{i % 5000:05d}_nohash_{i:07d}.wav" for i in range(N)],
        "label": pd.Categorical(words[rng.integers(0, 35, N)]),
        "speaker": rng.integers(0, 5000, N),
        "sample_rate": np.full(N, 16000, np.int32),
        "frames": np.full(N, 16000, np.int64),
    })
    assert meta.memory_usage(deep=True).sum() < 200e6

    state["dataset_metadata"] = meta
    split_dataset(state, strategy=lambda frame, seed: split_random(frame, seed, group_by="speaker"))
    make_labels(state)
    meta = state["dataset_metadata"]
    assert meta.groupby("speaker", observed=True)["split"].nunique().max() == 1
    assert len(state["class_map"]) == 35

    # Every row points at one of three real feature files.
    files = []
    for i in range(3):
        files.append(str(tmp_path / f"{i}.npy"))
        np.save(files[-1], np.full((64, 50), i, np.float32))
    features = FeatureSet(extractor=LogMel(), on_the_fly=False, audio_paths=pa.array(meta["path"]),
                          source_rates=meta["sample_rate"].to_numpy(), source_frames=meta["frames"].to_numpy(),
                          feature_dim=64, frame_rate=100.0,
                          feature_paths=pa.array(np.array(files)[np.arange(N) % 3]),
                          num_frames=np.full(N, 50, np.int64))
    train = np.flatnonzero(meta["split"].astype(str).to_numpy() == "train")
    dataset = AudioFeatureDataset(features, meta["target"].to_numpy(), train, crop_frames=40, random_crop=True)

    # Columnar storage: arrays and arrow buffers, no per-row Python objects to copy into workers.
    assert isinstance(dataset.indices, np.ndarray) and dataset.indices.dtype == np.int64
    assert isinstance(features.feature_paths, (pa.Array, pa.ChunkedArray))
    assert len(pickle.dumps(dataset)) < 250e6  # what a spawned worker receives, once
    for i in rng.integers(0, len(dataset), 20):
        x, y = dataset[int(i)]
        row = train[i]
        assert x.shape == (64, 40) and float(x[0, 0]) == row % 3 and y == meta["target"].iat[row]
