"""`MLflowCurves`: Lightning's `MLFlowLogger` on the experiment's own MLflow run, fail-safe.

The runner opens the run (`ginpipe.io.tracking_run()`); this logger sends the per-epoch curves there.
A tracking failure in the middle of a fit (the server went away) warns once and stops the logger;
it never stops the training. The run's end (its status) is the runner's to record, after the
evaluation, so Lightning's `finalize` does not close it.
"""
from __future__ import annotations

from typing import Any, Mapping

from lightning.pytorch.loggers.logger import Logger
from lightning.pytorch.utilities import rank_zero_only
from loguru import logger

from ginpipe.io import plain_float

__all__ = ["MLflowCurves"]


class MLflowCurves(Logger):
    """Logs metrics and hyperparameters to the MLflow run `run_id` at `uri`.

    Args:
        uri: the tracking URI.
        run_id: the run, opened by the runner.
    """

    def __init__(self, uri: str, run_id: str):
        super().__init__()
        from lightning.pytorch.loggers import MLFlowLogger

        self._run_id = run_id
        self._mlflow = MLFlowLogger(tracking_uri=uri, run_id=run_id)
        self._failed = False

    @property
    def name(self) -> str:
        return "mlflow"

    @property
    def version(self) -> str:
        return self._run_id

    def _safely(self, call, *args, **kwargs) -> None:
        if self._failed:
            return
        try:
            call(*args, **kwargs)
        except Exception as e:  # tracking must never stop a training
            self._failed = True
            logger.warning(f"tracking: logging the training curves to MLflow failed ({type(e).__name__}: "
                           f"{str(e).strip()[:300]}); training goes on without it.")

    @rank_zero_only
    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        self._safely(self._mlflow.log_hyperparams, params)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        # Lightning's float32 values widened to float64: sent as the decimals they are (0.1).
        self._safely(self._mlflow.log_metrics, {k: plain_float(v) for k, v in metrics.items()}, step)
