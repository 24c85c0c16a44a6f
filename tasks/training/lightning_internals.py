"""Every use of Lightning's private API in the project, in one place (as `ginpipe/config/gin_internals.py`
is for gin): Lightning has no public way to read what these functions return. A Lightning upgrade
that moves them breaks here, and `tests/tasks/test_lightning_internals.py` and `test_training_plumbing.py` say so."""
from __future__ import annotations

from typing import Any

__all__ = ["pending_epoch_metrics", "batches_that_stepped"]


def pending_epoch_metrics(trainer) -> dict[str, Any] | None:
    """The training epoch's metrics that Lightning has computed but not logged yet, while a checkpoint
    is written at the epoch's end (`_LoggerConnector.update_train_epoch_metrics` runs after the
    checkpoint callbacks); None outside that moment."""
    connector = trainer._logger_connector
    if not trainer.training or getattr(connector, "_first_loop_iter", 0) is not None or trainer._results is None:
        return None
    return dict(connector.metrics["log"])


def batches_that_stepped(trainer) -> int:
    """The optimizer steps of this fit so far, as the epoch loop counts them for its logging step."""
    return trainer.fit_loop.epoch_loop._batches_that_stepped
