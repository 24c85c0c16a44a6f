"""`RandomStateCheckpoint`: resuming from a checkpoint continues the very same random sequence.

Lightning's checkpoints hold the weights, the optimiser and the loops' progress, not the random
generators. A run resumed after a crash then shuffles, crops and drops out differently from the run
it continues, and its later epochs (and so its results) differ. This callback puts the generators'
states in every checkpoint and sets them back when training resumes from one.
"""
from __future__ import annotations

import random
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

__all__ = ["RandomStateCheckpoint"]


class RandomStateCheckpoint(Callback):
    """Saves Python's, NumPy's and torch's (CPU and CUDA) random states; restores them on resume.

    The states are those at the moment the checkpoint is written (the end of an epoch for
    `ModelCheckpoint`); they are restored as the checkpoint is loaded, before the first resumed
    batch is drawn (Lightning runs its sanity check with the generators isolated).

    Example:
        >>> trainer = pl.Trainer(callbacks=[ModelCheckpoint(...), RandomStateCheckpoint()])  # doctest: +SKIP
    """

    def state_dict(self) -> dict[str, Any]:
        legacy = np.random.get_state()  # legacy=True: (kind, keys, position, has_gauss, cached)
        assert isinstance(legacy, tuple)
        kind, keys, position, has_gauss, cached = legacy
        state = {"python": random.getstate(), "torch": torch.get_rng_state(),
                 # Plain types and tensors, so `torch.load(weights_only=True)` can read them too.
                 "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached]}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not state:
            return
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        kind, keys, position, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
