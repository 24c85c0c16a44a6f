"""The MLflow run of the experiment running in this process: what tasks attach their loggers to.

The runner sets it while the pipeline runs; tasks read it through `ginpipe.io.tracking_run()`
(e.g. `fit_model` logs its per-epoch curves there with Lightning's `MLFlowLogger`).
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["TrackingRun", "tracking_run", "activate", "deactivate"]


class TrackingRun(NamedTuple):
    """Where an experiment is tracked: the tracking URI and the MLflow run's id."""

    uri: str
    run_id: str
    experiment_id: str


_active: TrackingRun | None = None


def tracking_run() -> TrackingRun | None:
    """The MLflow run this process's experiment logs to, or None when tracking is off (or failed).

    Example:
        >>> from ginpipe.io import tracking_run
        >>> run = tracking_run()
        >>> run is None or bool(run.run_id)
        True
    """
    return _active


def activate(run: TrackingRun) -> None:
    global _active
    _active = run


def deactivate() -> None:
    global _active
    _active = None
