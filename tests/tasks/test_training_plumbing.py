"""What fit_model adds to every Lightning training: atomic checkpoints and exact resumes."""
import functools
import os

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch.callbacks import Checkpoint
from loguru import logger
from torch.utils.data import DataLoader

from tasks.training_data.loaders import get_dataloaders
from tasks.fit import fit_model
from tasks.models.resnet import Resnet
from tasks.training.checkpoint_io import AtomicCheckpointIO, use_atomic_checkpoints
from tasks.training.random_state import RandomStateCheckpoint


def test_atomic_checkpoint_io_writes_whole_files_and_nothing_on_failure(tmp_path):
    io = AtomicCheckpointIO(tmp_path / ".tmp")
    target = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"weights": torch.arange(4.0)}, target)
    assert torch.equal(torch.load(target, weights_only=True)["weights"], torch.arange(4.0))
    with pytest.raises(Exception):  # a lambda cannot be pickled: the earlier file must stay whole
        io.save_checkpoint({"weights": torch.zeros(4), "bad": lambda: 0}, target)
    assert torch.equal(torch.load(target, weights_only=True)["weights"], torch.arange(4.0))
    assert os.listdir(tmp_path / "checkpoints") == ["last.ckpt"] and not os.listdir(tmp_path / ".tmp")


def test_a_checkpoint_io_of_the_users_own_is_kept():
    default, own = pl.Trainer(logger=False), pl.Trainer(logger=False, plugins=[AtomicCheckpointIO("x")])
    custom = type("Custom", (TorchCheckpointIO,), {})()
    mine = pl.Trainer(logger=False, plugins=[custom])
    for trainer in (default, own, mine):
        use_atomic_checkpoints(trainer, "tmp")
    assert type(default.strategy.checkpoint_io) is AtomicCheckpointIO
    assert own.strategy.checkpoint_io.tmp_dir == "x" and mine.strategy.checkpoint_io is custom


def test_random_states_round_trip_through_a_weights_only_checkpoint(tmp_path):
    callback = RandomStateCheckpoint()
    torch.save({"state": callback.state_dict()}, tmp_path / "c.pt")
    import random

    import numpy as np
    expected = (random.random(), np.random.rand(), torch.rand(3))
    callback.load_state_dict(torch.load(tmp_path / "c.pt", weights_only=True)["state"])
    again = (random.random(), np.random.rand(), torch.rand(3))
    assert expected[:2] == again[:2] and torch.equal(expected[2], again[2])


def _trainer(max_epochs: int):
    return functools.partial(pl.Trainer, max_epochs=max_epochs, accelerator="cpu", devices=1,
                             limit_train_batches=3, limit_val_batches=2, enable_progress_bar=False,
                             enable_model_summary=False, log_every_n_steps=1)


def _curves(state) -> dict:
    log = pd.read_csv(state["training_log"])
    return {int(e): rows.drop(columns="epoch").max().dropna().to_dict() for e, rows in log.groupby("epoch")}


@pytest.fixture
def fitted_three_epochs(featurised_state):
    """(state with DataLoaders, model factory, training curves) of an uninterrupted 3-epoch fit."""
    loaders = {name: functools.partial(DataLoader, batch_size=8, shuffle=name == "train")
               for name in ("train", "validation", "test")}
    state = get_dataloaders(featurised_state, loaders=loaders, train_crop_seconds=0.4)
    model = functools.partial(Resnet, n_layers=4, width=8)
    fit_model(state, model=model, trainer=_trainer(3))
    return state, model, _curves(state)


@pytest.mark.slow
def test_training_resumed_after_a_stop_draws_the_same_batches_as_one_that_never_stopped(
        fitted_three_epochs, tmp_path):
    state, model, uninterrupted = fitted_three_epochs
    state["output_dir"] = str(tmp_path / "stopped")
    fit_model(state, model=model, trainer=_trainer(2))  # as if killed after epoch 1 of 3...
    messages = []
    sink = logger.add(messages.append, format="{message}")
    try:
        fit_model(state, model=model, trainer=_trainer(3))  # ...and resumed from last.ckpt
    finally:
        logger.remove(sink)
    assert any(m.startswith("resuming from") for m in messages)
    assert _curves(state) == uninterrupted  # shuffles and random crops included, to the last bit


class _CrashAfterCheckpoint(Checkpoint):
    """Dies at the end of epoch 1, after ModelCheckpoint wrote it (checkpoint callbacks run last, in order),
    before Lightning hands the epoch's training metrics to the loggers: the window a kill can hit."""

    def on_train_epoch_end(self, trainer, pl_module):
        if trainer.current_epoch == 1:
            raise KeyboardInterrupt("killed")


@pytest.mark.slow
def test_a_crash_right_after_an_epoch_checkpoint_loses_no_row_of_the_training_log(fitted_three_epochs,
                                                                                 tmp_path):
    state, model, uninterrupted = fitted_three_epochs
    state["output_dir"] = str(tmp_path / "crashed")
    with pytest.raises(BaseException):
        fit_model(state, model=model, trainer=_trainer(3), callbacks=[_CrashAfterCheckpoint()])
    log = pd.read_csv(tmp_path / "crashed" / "logs" / "training" / "metrics.csv")
    assert log.loc[log["epoch"] == 1, "train_loss"].isna().all()  # the crash kept it from the file
    fit_model(state, model=model, trainer=_trainer(3))
    assert _curves(state) == uninterrupted
