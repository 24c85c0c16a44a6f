import functools

import torch
from torch.utils.data import DataLoader

from tasks.training_data.collate import pad_collate
from tasks.training_data.loaders import get_dataloaders
from tasks.features.extract import EXTRACTION_COUNTER, extract_features
from tasks.features.extractors import RawWaveform


def test_pad_collate_pads_right_and_returns_lengths():
    batch = pad_collate([(torch.ones(2, 3), 4), (torch.full((2, 5), 2.0), 1)])
    assert batch["x"].shape == (2, 2, 5)
    assert batch["lengths"].tolist() == [3, 5] and batch["y"].tolist() == [4, 1]
    assert batch["x"][0, :, 3:].abs().sum() == 0


def test_loaders_per_split_with_their_own_settings(featurised_state):
    state = featurised_state
    loaders = {"train": functools.partial(DataLoader, batch_size=4, shuffle=True),
               "validation": functools.partial(DataLoader, batch_size=7),
               "test": functools.partial(DataLoader, batch_size=7)}
    get_dataloaders(state, loaders=loaders, train_crop_seconds=0.3)
    out = state["dataloaders"]
    assert {k: v.batch_size for k, v in out.items()} == {"train": 4, "validation": 7, "test": 7}
    meta = state["dataset_metadata"]
    assert sum(len(b["y"]) for b in out["test"]) == (meta["split"] == "test").sum()
    train = next(iter(out["train"]))
    assert train["x"].shape[-1] == 30 and (train["lengths"] == 30).all()  # 0.3 s at 100 frames/s
    full = next(iter(out["validation"]))
    # Clips of varying length, never cropped outside training: each keeps all its frames (hop 160).
    frames = meta.loc[meta["split"] == "validation", "frames"].to_numpy()[:7]
    assert full["lengths"].tolist() == (frames // 160 + 1).tolist() and len(set(frames)) > 1


def test_random_crops_differ_between_epochs(featurised_state):
    get_dataloaders(featurised_state, train_crop_seconds=0.2)
    dataset = featurised_state["dataloaders"]["train"].dataset
    torch.manual_seed(0)
    crops = [dataset[0][0] for _ in range(8)]
    assert any(not torch.equal(crops[0], c) for c in crops[1:])


def test_epochs_read_cached_features_without_recomputing(featurised_state):
    get_dataloaders(featurised_state, train_crop_seconds=0.3)
    before = EXTRACTION_COUNTER["computed"]
    for _ in range(3):  # three epochs
        for _ in featurised_state["dataloaders"]["train"]:
            pass
    assert EXTRACTION_COUNTER["computed"] == before


def test_on_the_fly_waveform_crops(featurised_state, tmp_path):
    extract_features(featurised_state, extractor=RawWaveform(), on_the_fly=True)
    get_dataloaders(featurised_state, train_crop_seconds=0.25)
    batch = next(iter(featurised_state["dataloaders"]["train"]))
    assert batch["x"].shape[1:] == (1, 4000)
    test = next(iter(featurised_state["dataloaders"]["test"]))
    meta = featurised_state["dataset_metadata"]
    frames = meta.loc[meta["split"] == "test", "frames"].to_numpy()[:len(test["lengths"])]
    assert test["lengths"].tolist() == frames.tolist()  # whole clips, of their own lengths
