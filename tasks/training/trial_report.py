"""`TrialReport`: in a search trial, the monitored metric goes to the study after every validation
epoch, so the study's pruner can stop a trial that is not promising (`--pruner median|hyperband`).

Outside a search it is not added (`fit_model` asks `ginpipe.io.in_trial()`); only the main process
reports. A pruned trial ends with `ginpipe.io.TrialPruned`, and its run.json says "pruned".
"""
from __future__ import annotations

from lightning.pytorch.callbacks import Callback

from ginpipe.io import is_main_process, plain_float, report_trial

__all__ = ["TrialReport"]


class TrialReport(Callback):
    """Reports `monitor` (as logged for the epoch) to the trial's study; raises `TrialPruned` when pruned.

    Example:
        >>> trainer = pl.Trainer(callbacks=[TrialReport("val_accuracy")])  # doctest: +SKIP
    """

    def __init__(self, monitor: str):
        self.monitor = monitor

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or not is_main_process():
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is not None:
            report_trial(self.monitor, plain_float(float(value)), step=trainer.current_epoch)
