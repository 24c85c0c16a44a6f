"""Training curves from an experiment's Lightning-style `metrics.csv` logs, for an MLflow run that
has none: the fit came from the cache (tracking was off when it ran), so no logger sent them.

Logs set aside by a changed fit (`logs/training-<hash>/`) are another configuration's and are skipped.
"""
from __future__ import annotations

import csv
import re
import time
from pathlib import Path

__all__ = ["training_logs", "backfill_curves"]

SET_ASIDE = re.compile(r".+-[0-9a-f]{8}$")  # checkpoints-<hash>, training-<hash>: an earlier config's
_BATCH = 1000  # metrics per MLflow request


def training_logs(folder: Path) -> list[Path]:
    """The experiment's `metrics.csv` files, those set aside (and those in hidden folders: a trash
    folder an interrupted gc left, `.tmp`) left out."""
    return [log for log in sorted(Path(folder).rglob("metrics.csv"))
            if not any(SET_ASIDE.match(part) or part.startswith(".") for part in log.relative_to(folder).parts[:-1])]


def backfill_curves(client, run_id: str, folder: Path) -> int:
    """Log the curves of the experiment's logs to the run unless it has some already; return how many values."""
    from mlflow.entities import Metric

    logs = training_logs(folder)
    rows = []
    for log in logs:
        with open(log, newline="") as f:
            rows += list(csv.DictReader(f))
    names = sorted({k for row in rows for k, v in row.items() if k not in ("step",) and v not in (None, "")})
    if not names or any(client.get_metric_history(run_id, name) for name in names[:3]):
        return 0
    now = int(time.time() * 1000)
    metrics = [Metric(name, float(row[name]), now, int(float(row.get("step") or 0)))
               for row in rows for name in names if row.get(name) not in (None, "")]
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(run_id, metrics=metrics[start:start + _BATCH])
    return len(metrics)
