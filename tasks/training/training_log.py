"""`TrainingLog`: the CSV training log, whole after any crash and continued exactly by a resumed fit.

Lightning's CSVLogger rewrites its file in place when a new metric appears and deletes it when a new
fit starts in its folder, and a crash right after a checkpoint loses the epoch's training metrics:
Lightning hands them to the loggers only after the checkpoint callbacks have run. This logger keeps
its rows in memory, rewrites `metrics.csv` atomically at every flush, and its callback stores the rows
in every checkpoint, with the epoch's training metrics still on their way; resuming from a
checkpoint restores the log as it was at that checkpoint, so the log continues as if nothing happened.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Mapping

from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers.logger import Logger
from lightning.pytorch.utilities import rank_zero_only

from ginpipe.io import plain_float, write_text

__all__ = ["TrainingLog", "TrainingLogCheckpoint"]

_KEY = "training_log"  # the rows, in the checkpoint dict


class TrainingLog(Logger):
    """Writes `path` (columns `epoch`, `step`, then the metrics, sorted: the same as CSVLogger's).

    Args:
        path: the CSV file, e.g. `<experiment>/logs/training/metrics.csv`.
    """

    def __init__(self, path: str | Path):
        super().__init__()
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = []

    @property
    def name(self) -> str:
        return self.path.parent.name

    @property
    def version(self) -> str:
        return ""

    @property
    def save_dir(self) -> str:
        return str(self.path.parent.parent)

    @property
    def log_dir(self) -> str:
        return str(self.path.parent)

    @rank_zero_only
    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        pass  # they are in the checkpoints and in the experiment's config

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        # Lightning's values are float32 widened to float64: write them as the decimals they are.
        self.rows.append({**{k: plain_float(v) for k, v in metrics.items()},
                          "step": step if step is not None else len(self.rows)})

    @rank_zero_only
    def save(self) -> None:
        if not self.rows:
            return
        columns = sorted({key for row in self.rows for key in row})
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_text(self.path, text.getvalue(), durable=False)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        self.save()

    def restore(self, rows: list[dict[str, Any]]) -> None:
        """Continue from these rows (a checkpoint's): the file is rewritten with them."""
        self.rows = [{k: plain_float(v) for k, v in row.items()} for row in rows]  # older checkpoints' raw floats
        self.save()


class TrainingLogCheckpoint(Callback):
    """Stores a `TrainingLog`'s rows in each checkpoint, and restores them when a fit resumes from one."""

    def __init__(self, log: TrainingLog):
        self.training_log = log

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        checkpoint[_KEY] = self.training_log.rows + _pending_epoch_row(trainer)

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        if _KEY in checkpoint:  # checkpoints of older versions hold no log: keep the file's
            self.training_log.restore(checkpoint[_KEY])


def _pending_epoch_row(trainer) -> list[dict[str, Any]]:
    """The training epoch's metrics, when a checkpoint is written at its end: Lightning logs them after
    the checkpoint callbacks (`_LoggerConnector.update_train_epoch_metrics`), so a run killed right
    after the checkpoint would never log them, and a resume from it would not redo that epoch."""
    connector = trainer._logger_connector  # the only place these values exist yet
    if not trainer.training or getattr(connector, "_first_loop_iter", 0) is not None or trainer._results is None:
        return []
    metrics = {k: plain_float(v.item() if hasattr(v, "item") else v) for k, v in connector.metrics["log"].items()}
    if not metrics:
        return []
    step = metrics.pop("step", None)
    if step is None:
        metrics.setdefault("epoch", trainer.current_epoch)
        # As FitLoop.on_advance_end does: epoch metrics are logged at the epoch's last step.
        step = trainer.fit_loop.epoch_loop._batches_that_stepped - 1  # no public count of it
    return [{**metrics, "step": int(step)}]
