"""A sweep as an MLflow parent run; its members are child runs (their `mlflow.parentRunId`).

The parent's id is kept in `<project>/.tracking/sweep-<name>.json`, so rerunning the same sweep
(to resume it) reopens the same parent run. Members learn the id through their options
(`RunOptions.track_parent`, `--track-parent` on their command line).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..files import read_json, write_json
from .connection import connect, project_experiment
from .params import BATCH, MAX_VALUE
from .settings import warn_failure

__all__ = ["SweepTracker", "start_sweep_run"]


class SweepTracker:
    def __init__(self, client, run_id: str):
        self.client, self.run_id = client, run_id

    def finish(self, status: str, members: int, failed: int = 0) -> None:
        """`status`: MLflow's FINISHED, FAILED or KILLED."""
        try:
            from mlflow.entities import RunTag
            self.client.log_batch(self.run_id, tags=[RunTag("ginpipe.failed_members", str(failed)),
                                                     RunTag("ginpipe.members", str(members))])
            self.client.set_terminated(self.run_id, status)
        except Exception as e:  # the sweep's result stands without it
            warn_failure("recording the end of the sweep's MLflow run", e)


def start_sweep_run(uri: str, *, project: str, name: str, project_dir: Path, axes: dict[str, list[str]],
                    command: str | None) -> SweepTracker | None:
    """Start (or reopen) the sweep's parent run; None when tracking fails (members run untracked
    by a parent, each still tracked on its own)."""
    try:
        client = connect(uri)
        experiment_id = project_experiment(client, project, uri)
        digest = hashlib.sha1(repr(sorted(axes.items())).encode()).hexdigest()[:8]
        record_path = Path(project_dir) / ".tracking" / f"sweep-{name}-{digest}.json"
        record = read_json(record_path, None) or {}
        run_id = None
        if record.get("uri") == uri:
            from mlflow.exceptions import MlflowException
            try:
                if client.get_run(record["run_id"]).info.lifecycle_stage == "active":
                    run_id = record["run_id"]
                    client.update_run(run_id, status="RUNNING")
            except MlflowException:
                run_id = None
        if run_id is None:
            from mlflow.entities import Param
            run_id = client.create_run(experiment_id, run_name=name, tags={
                "ginpipe.sweep": name, "ginpipe.command": (command or "")[:5000]}).info.run_id
            params = [Param(f"sweep/{key}", ("[" + ", ".join(values) + "]")[:MAX_VALUE])
                      for key, values in axes.items()]
            for start in range(0, len(params), BATCH):
                client.log_batch(run_id, params=params[start:start + BATCH])
            write_json(record_path, {"uri": uri, "run_id": run_id, "experiment_id": experiment_id}, durable=False)
    except Exception as e:  # server down, bad URI, mlflow missing
        warn_failure(f"starting the sweep's MLflow run at {uri}", e)
        return None
    return SweepTracker(client, run_id)
