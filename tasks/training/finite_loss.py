"""`FiniteLossGuard`: training stops at the first NaN or infinite loss, saying where it happened.

Without it a diverged run trains on for hours with NaN weights, and the best checkpoint, the metrics
and the model bundle come out of garbage without any error.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
from lightning.pytorch.callbacks import Callback

__all__ = ["FiniteLossGuard", "NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


class FiniteLossGuard(Callback):
    """Raises `NonFiniteLossError` naming the epoch, batch and global step of the first bad loss.

    Example:
        >>> trainer = pl.Trainer(callbacks=[FiniteLossGuard()])  # doctest: +SKIP
    """

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, Mapping) else outputs
        if not isinstance(loss, torch.Tensor) or bool(torch.isfinite(loss.detach()).all()):
            return
        raise NonFiniteLossError(
            f"the training loss is {loss.detach().float().mean().item()} at epoch {trainer.current_epoch},"
            f" batch {batch_idx} (global step {trainer.global_step}); training stopped there."
            " Lower the learning rate (e.g. torch.optim.AdamW.lr), clip gradients"
            " (pl.Trainer.gradient_clip_val = 1.0), or look for NaN or infinite values in the inputs.")
