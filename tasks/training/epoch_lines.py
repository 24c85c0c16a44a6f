"""`EpochLines`: one log line per epoch where no progress bar can be drawn (a batch job, nohup).

On a terminal Lightning's progress bar shows each epoch's losses and metrics as training goes; written
to a file (SLURM's output, `nohup`'s), a bar is either nothing until the end or a wall of redraws. So
`fit_model` turns the bar off when stderr is not a terminal and adds this callback instead:

    epoch 3/16  train_loss 1.74  val_loss 1.52  val_accuracy 0.42 (monitored, best 0.45)  12.3 s

Numbers are shown as the values they are (`plain_float`: 0.1, not 0.10000000149011612), to four
significant digits, which is what a bar shows too.
"""
from __future__ import annotations

import time

from lightning.pytorch.callbacks import Callback
from loguru import logger

from ginpipe.io import is_main_process, plain_float

__all__ = ["EpochLines"]


class EpochLines(Callback):
    """Logs, after each training epoch (its validation included), its losses, the monitored metric
    (and the best value so far) and how long it took.

    Example:
        >>> lines = EpochLines("val_accuracy", "max")  # doctest: +SKIP
        >>> trainer = pl.Trainer(callbacks=[lines], enable_progress_bar=False)  # doctest: +SKIP
    """

    def __init__(self, monitor: str, mode: str = "max"):
        self.monitor, self.mode = monitor, mode
        self.best: float | None = None
        self._started = 0.0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._started = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if not is_main_process():
            return
        metrics = {name: plain_float(float(value)) for name, value in trainer.callback_metrics.items()
                   if getattr(value, "numel", lambda: 1)() == 1 and not name.endswith("_step")}
        parts = [f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}"]
        losses = sorted((name for name in metrics if "loss" in name and name != self.monitor),
                        key=lambda name: not name.startswith("train"))  # train's first, as the bar shows them
        parts += [f"{name.removesuffix('_epoch')} {_shown(metrics[name])}" for name in losses]
        value = metrics.get(self.monitor)
        if value is not None:
            better = max if self.mode == "max" else min
            self.best = value if self.best is None else better(self.best, value)
            parts.append(f"{self.monitor} {_shown(value)} (monitored, best {_shown(self.best)})")
        parts.append(f"{time.perf_counter() - self._started:.1f} s")
        logger.info("  ".join(parts))


def _shown(value: float) -> str:
    return f"{value:.4g}"
