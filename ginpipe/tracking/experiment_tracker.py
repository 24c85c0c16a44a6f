"""One experiment as one MLflow run: started when the run opens its folder, finished when it ends.

The run's id is kept in the experiment's `tracking.json`, so a resumed or fully cached rerun of the
same config updates that run (new status, tags, metrics, artifacts) instead of adding a duplicate; a
`--resume` with another config is a new MLflow run (MLflow never changes a logged parameter).
Parameters are the gin bindings (`params`); tags the command, git commit, status and the tasks that
came from the cache; metrics the final numbers of the state key `metrics` and `metrics.json` (the
per-epoch curves come from the training task's logger, attached through `active`, or from the
experiment's `metrics.csv` when the run has none: `curve_backfill`); artifacts
`config.gin`, `metrics.json`, `plots/` and the model bundle `model/`.

Every call is guarded: a failure warns once (`settings.warn_failure`) and tracking stops for the
rest of the run; the experiment itself never fails because of it.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable, Mapping

from ..experiment.metrics import numeric_metrics
from ..experiment.statuses import RunStatus, TaskStatus
from ..files import read_json, write_json
from ..log import logger
from . import active
from .connection import connect, project_experiment
from .curve_backfill import backfill_curves
from .params import BATCH, binding_params
from .settings import warn_failure

__all__ = ["ExperimentTracker", "RECORD", "start_experiment_run"]

RECORD = "tracking.json"  # in the experiment folder: the MLflow run to update on a rerun
_STATUS = {RunStatus.DONE: "FINISHED", RunStatus.FAILED: "FAILED", RunStatus.INTERRUPTED: "KILLED"}
_ARTIFACT_FILES = ("config.gin", "metrics.json")
_ARTIFACT_FOLDERS = ("plots", "model")


class ExperimentTracker:
    """The MLflow run of one experiment; `finish()` records how the experiment ended."""

    def __init__(self, client, run: active.TrackingRun, folder: Path):
        self.client, self.run, self.folder = client, run, folder
        self.broken = False

    def _guarded(self, action: str, call: Callable, *args, **kwargs):
        if self.broken:
            return None
        try:
            return call(*args, **kwargs)
        except Exception as e:  # any tracking failure: warn, never fail the experiment
            self.broken = True
            active.deactivate()
            warn_failure(action, e)
            return None

    def finish(self, state: Mapping | None) -> None:
        """Tags (status, cached tasks, git commit), final metrics, artifacts, then the run's end."""
        active.deactivate()
        self._guarded("recording the end of the MLflow run", self._finish, state)

    def _finish(self, state: Mapping | None) -> None:
        from mlflow.entities import Metric, RunTag

        run_id = self.run.run_id
        record = read_json(self.folder / "run.json", None) or {}
        status = record.get("status", RunStatus.FAILED)
        tasks = record.get("tasks") or []
        tags = {"ginpipe.status": status,
                "ginpipe.cached_tasks": ", ".join(t["label"] for t in tasks if t.get("status") == TaskStatus.CACHED),
                "ginpipe.executed_tasks": ", ".join(t["label"] for t in tasks if t.get("status") == TaskStatus.DONE)}
        git = (read_json(self.folder / "environment.json", None) or {}).get("git") or {}
        if git.get("commit"):
            tags |= {"mlflow.source.git.commit": git["commit"], "ginpipe.git_dirty": str(bool(git.get("dirty")))}
        backfill_curves(self.client, run_id, self.folder)  # a cached fit sent none
        metrics = _final_metrics(self.folder, state)
        now = int(time.time() * 1000)
        self.client.log_batch(run_id, metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
                              tags=[RunTag(k, v) for k, v in tags.items()])
        for name in _ARTIFACT_FILES:
            if (self.folder / name).is_file():
                self.client.log_artifact(run_id, str(self.folder / name))
        for name in _ARTIFACT_FOLDERS:
            if (self.folder / name).is_dir():
                self.client.log_artifacts(run_id, str(self.folder / name), artifact_path=name)
        self.client.set_terminated(run_id, _STATUS.get(status, "FAILED"))


def _final_metrics(folder: Path, state: Mapping | None) -> dict[str, float]:
    found: dict[str, float] = {}
    if state is not None:
        try:
            found.update(numeric_metrics(state.get("metrics")))
        except Exception:  # an unreadable saved value: metrics.json may still have them
            pass
    found.update(numeric_metrics(read_json(folder / "metrics.json", None)))
    return {k: v for k, v in found.items() if v == v}  # MLflow stores NaN, but its UI cannot sort it


def start_experiment_run(uri: str, *, project: str, experiment: str, folder: Path, config,
                         config_text: str, command: str | None, parent: str | None,
                         tmp_dir: Path | None = None) -> ExperimentTracker | None:
    """Start (or reopen) the experiment's MLflow run and make it the active one; None on a failure.

    `config` is the run's `ResolvedConfig`; `parent` the sweep's run id, when a sweep started it.
    """
    try:
        client = connect(uri)
        experiment_id = project_experiment(client, project, uri)
        digest = hashlib.sha1(config_text.encode()).hexdigest()
        run_id = _reusable_run(client, read_json(folder / RECORD, None), uri, digest)
        tags = {"mlflow.runName": experiment, "ginpipe.folder": str(folder.resolve()),
                "ginpipe.status": RunStatus.RUNNING,
                "ginpipe.command": (command or "")[:5000]}
        if parent:
            tags["mlflow.parentRunId"] = parent
        if run_id is None:
            run_id = client.create_run(experiment_id, tags=tags, run_name=experiment).info.run_id
            _log_params(client, run_id, binding_params(config))
        else:
            client.update_run(run_id, status="RUNNING")
            from mlflow.entities import RunTag
            client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        write_json(folder / RECORD, {"uri": uri, "run_id": run_id, "experiment_id": experiment_id,
                                     "config_sha1": digest}, durable=False, tmp_dir=tmp_dir)
    except Exception as e:  # server down, bad URI, mlflow missing: the run goes on
        warn_failure(f"starting the MLflow run at {uri}", e)
        return None
    run = active.TrackingRun(uri, run_id, experiment_id)
    logger.info(f"Tracked as MLflow run {run_id} of experiment {project!r} at {uri}")
    active.activate(run)
    return ExperimentTracker(client, run, folder)


def _reusable_run(client, record: dict | None, uri: str, digest: str) -> str | None:
    """The run recorded in tracking.json, when it is of this URI and config and still exists."""
    if not record or record.get("uri") != uri or record.get("config_sha1") != digest:
        return None
    from mlflow.exceptions import MlflowException
    try:
        run = client.get_run(record["run_id"])
    except MlflowException:  # deleted from the server meanwhile
        return None
    return run.info.run_id if run.info.lifecycle_stage == "active" else None


def _log_params(client, run_id: str, params: dict[str, str]) -> None:
    from mlflow.entities import Param

    items = [Param(k, v) for k, v in params.items()]
    for start in range(0, len(items), BATCH):
        client.log_batch(run_id, params=items[start:start + BATCH])
