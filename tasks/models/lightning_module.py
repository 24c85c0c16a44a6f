"""`AudioClassifier`: the LightningModule every model shares (steps, loss, metrics, optimisers)."""
from __future__ import annotations

import functools
from typing import Any, Callable, Mapping

import lightning.pytorch as pl
import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

OptimizerFactory = Callable[..., torch.optim.Optimizer]
SchedulerFactory = Callable[[torch.optim.Optimizer], Any]

# Arguments that are code, not numbers: kept out of `hparams` (and so out of checkpoints).
_NOT_HYPERPARAMETERS = ["optimizer", "lr_scheduler", "loss_fn", "metrics"]
_DEFAULT_METRICS: dict[str, Callable] = {
    "accuracy": functools.partial(MulticlassAccuracy, average="micro"),
    "f1": functools.partial(MulticlassF1Score, average="macro"),
}


class AudioClassifier(pl.LightningModule):
    """Shared training logic; subclasses build layers and define `forward(x, lengths) -> logits`.

    The public base class of a model of your own (docs/extending.md, "Writing your own model"). What the tasks
    need of a model, and what subclassing this gives or asks for:

    - `fit_model` calls `YourModel(num_classes=..., input_dim=...)`: take both, plus your own
      arguments (numbers, strings, lists: they are saved as `hparams`, in checkpoints and in the model
      bundle's config.gin, so they must be Python literals), and pass the base arguments on.
    - `forward(x, lengths)`: `x` is `(batch, input_dim, frames)` zero-padded on the right, `lengths`
      the real frames of each item; return `(batch, num_classes)` logits. Keep padding out of the
      result (`tasks.models.masked_mean` pools over real frames only): evaluation batches clips of
      different lengths, while the demo and `ginpipe predict` may classify a clip alone.
    - Training steps, losses, metrics, optimisers and the checkpoint's `model_class` (which
      `evaluate_model` and `export_model` rebuild the model from) come from this class.
    - `export_model` records the class by its dotted path: define it in `tasks/` or in a package of
      the project folder (the bundle loader refuses classes from anywhere else).

    Args:
        num_classes: number of classes (given by `fit_model` from the class map).
        input_dim: size of the feature axis (given by `fit_model` from the features).
        optimizer: factory called with the parameters, e.g. `@torch.optim.AdamW` (default AdamW 1e-3).
        lr_scheduler: optional factory called with the optimizer, e.g.
            `@torch.optim.lr_scheduler.CosineAnnealingLR`.
        scheduler_interval: `'epoch'` or `'step'`: when the scheduler steps.
        loss_fn: loss module (default cross-entropy).
        metrics: name -> torchmetrics class (called with `num_classes`), logged as `train_<name>` and
            `val_<name>` each epoch (default: micro accuracy and macro F1).
    """

    def __init__(self, num_classes: int, input_dim: int, optimizer: OptimizerFactory | None = None,
                 lr_scheduler: SchedulerFactory | None = None, scheduler_interval: str = "epoch",
                 loss_fn: nn.Module | None = None, metrics: Mapping[str, Callable] | None = None):
        super().__init__()
        # Lightning collects the subclass's __init__ arguments too, so n_layers etc. are saved.
        self.save_hyperparameters(ignore=_NOT_HYPERPARAMETERS)
        self.optimizer_factory = optimizer or functools.partial(torch.optim.AdamW, lr=1e-3)
        self.scheduler_factory = lr_scheduler
        self.loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
        collection = MetricCollection({name: factory(num_classes=num_classes)
                                       for name, factory in (metrics or _DEFAULT_METRICS).items()})
        self.train_metrics = collection.clone(prefix="train_")
        self.val_metrics = collection.clone(prefix="val_")

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _step(self, batch: Mapping[str, torch.Tensor], stage: str) -> torch.Tensor:
        logits = self(batch["x"], batch["lengths"])
        loss = self.loss_fn(logits, batch["y"])
        (self.train_metrics if stage == "train" else self.val_metrics).update(logits.detach(), batch["y"])
        # Validation averages over every rank under DDP; the training loss is rank 0's (cheaper).
        self.log(f"{stage}_loss", loss, on_step=False, on_epoch=True, prog_bar=True,
                 batch_size=len(batch["y"]), sync_dist=stage != "train")
        return loss

    def _log_metrics(self, metrics: MetricCollection, prog_bar: bool) -> None:
        # Computed (and synced across ranks by torchmetrics) once per epoch: logging Metric objects
        # every step costs Lightning about a millisecond per call.
        self.log_dict(metrics.compute(), prog_bar=prog_bar)
        metrics.reset()

    def on_train_epoch_end(self) -> None:
        self._log_metrics(self.train_metrics, prog_bar=False)

    def on_validation_epoch_end(self) -> None:
        if not self.trainer.sanity_checking:
            self._log_metrics(self.val_metrics, prog_bar=True)
        else:
            self.val_metrics.reset()

    def training_step(self, batch: Mapping[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: Mapping[str, torch.Tensor], batch_idx: int) -> None:
        self._step(batch, "val")

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(self.parameters())
        if self.scheduler_factory is None:
            return optimizer
        scheduler = self.scheduler_factory(optimizer)
        return {"optimizer": optimizer, "lr_scheduler": {
            "scheduler": scheduler, "interval": self.hparams["scheduler_interval"], "monitor": "val_loss"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Lets `evaluate_model` (and a later demo) rebuild the right class from the file alone.
        checkpoint["model_class"] = f"{type(self).__module__}.{type(self).__qualname__}"
