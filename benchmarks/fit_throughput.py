"""Training throughput: `fit_model` vs a hand-written Lightning script, same model, same tensors.

    .venv/bin/python benchmarks/fit_throughput.py [--epochs 3] [--rounds 3] [--n-layers 20] [--workers 0]

Both train `Resnet` on the same cached log-mel features of the synthetic dataset, on fixed-length
(cropped) items, batch size 32, no validation. The baseline loads every tensor into memory once and
trains from a `TensorDataset` with a bare `Trainer` (no logger, no checkpoints); `fit_model` reads
features from the feature cache (kept in RAM after the first epoch), crops at random, pads
dynamically, computes train metrics, logs CSV and writes best and last checkpoints every epoch.
Each is measured `--rounds` times, alternating, and its fastest run counts (other load on the machine
then slows both alike).
"""
from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ginpipe import State  # noqa: E402
from tasks.training_data.loaders import get_dataloaders  # noqa: E402
from tasks.datasets.load import load_dataset  # noqa: E402
from tasks.datasets.synthetic import read_synthetic  # noqa: E402
from tasks.features.extract import extract_features  # noqa: E402
from tasks.fit import fit_model  # noqa: E402
from tasks.labels import make_labels  # noqa: E402
from tasks.models.resnet import Resnet  # noqa: E402
from tasks.split import split_dataset  # noqa: E402

CROP = 90  # frames: 0.9 s, as configs/base.gin


class _TensorBatches(pl.LightningModule):
    """The hand-written script's module: the same network, a plain training step."""

    def __init__(self, net: Resnet):
        super().__init__()
        self.net = net

    def training_step(self, batch, batch_idx):
        x, y = batch
        lengths = torch.full((len(x),), x.shape[-1], dtype=torch.long)
        return torch.nn.functional.cross_entropy(self.net(x, lengths), y)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=1e-3)


def _trainer(epochs: int, **kwargs) -> functools.partial:
    return functools.partial(pl.Trainer, max_epochs=epochs, accelerator="cpu", devices=1,
                             enable_progress_bar=False, enable_model_summary=False, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-layers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader workers of fit_model (as base.gin)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        state = State({"output_dir": str(tmp / "exp"), "seed": 0})
        # The easy recipe: clips of one length, so every item has the fixed crop the baseline stacks.
        load_dataset(state, [lambda: read_synthetic(tmp / "audio", difficulty="easy")])
        split_dataset(state, strategy=lambda frame, seed: np.where(np.arange(len(frame)) % 10 < 8, "train", "test"))
        make_labels(state)
        extract_features(state, cache_dir=str(tmp / "cache"), progress=False)
        loaders = {"train": functools.partial(DataLoader, batch_size=32, shuffle=True, drop_last=True,
                                              num_workers=args.workers, persistent_workers=args.workers > 0)}
        get_dataloaders(state, loaders=loaders, train_crop_seconds=CROP / 100)
        train = state["dataloaders"]["train"].dataset
        n = len(train) // 32 * 32

        # The same tensors, in memory: centre crops of the cached features.
        xs = torch.stack([torch.from_numpy(np.load(state["features"].feature_paths[int(r)].as_py()))[:, 5:5 + CROP]
                          for r in train.indices])
        ys = torch.from_numpy(train.targets[train.indices])
        model = functools.partial(Resnet, n_layers=args.n_layers)

        def run_baseline() -> float:
            pl.seed_everything(0, verbose=False)
            module = _TensorBatches(model(num_classes=len(state["class_map"]), input_dim=64))
            loader = DataLoader(TensorDataset(xs, ys), batch_size=32, shuffle=True, drop_last=True)
            start = time.perf_counter()
            _trainer(args.epochs, logger=False, enable_checkpointing=False)().fit(module, loader)
            return time.perf_counter() - start

        def run_ours(i: int) -> float:
            state["output_dir"] = str(tmp / f"exp{i}")
            start = time.perf_counter()
            fit_model(state, model=model, trainer=_trainer(args.epochs))
            return time.perf_counter() - start

        times_base, times_ours = [], []
        for i in range(args.rounds):
            times_base.append(run_baseline())
            times_ours.append(run_ours(i))
        t_base, t_ours = min(times_base), min(times_ours)
        samples = n * args.epochs
        print(f"Resnet(n_layers={args.n_layers}), {n} training items x {args.epochs} epochs,"
              f" {torch.get_num_threads()} torch threads")
        print(f"hand-written Lightning script: {samples / t_base:8.1f} samples/s  ({t_base:.2f} s)")
        print(f"fit_model:                     {samples / t_ours:8.1f} samples/s  ({t_ours:.2f} s)"
              f"  ratio {t_base / t_ours:.3f}x")


if __name__ == "__main__":
    main()
