"""The `set_seed` task: one seed for Python, NumPy, torch, Lightning and DataLoader workers."""
from __future__ import annotations

from typing import MutableMapping

from ginpipe.io import declares_metrics


@declares_metrics()  # no metric: a study cannot be judged by it
def set_seed(state: MutableMapping, seed: int = 42, deterministic: bool = False,
             key_out: str = "seed") -> MutableMapping:
    """Seed every random generator the pipeline uses and record the seed in the state.

    Args:
        state: pipeline state.
        seed: the seed; `split_dataset` reads it back from `state[key_out]`.
        deterministic: also ask torch for deterministic algorithms (slower; raises on ops that have
            none, which is what you want when hunting non-determinism).
        key_out: state key the seed is written to.

    Example (gin):
        set_seed.seed = 1234
    """
    import lightning.pytorch as pl  # here, not at import: configs that never train skip torch
    import torch

    # workers=True derives distinct, reproducible seeds for each DataLoader worker.
    pl.seed_everything(seed, workers=True, verbose=False)
    torch.use_deterministic_algorithms(deterministic, warn_only=False)
    if deterministic:
        torch.backends.cudnn.benchmark = False
    state[key_out] = seed
    return state
