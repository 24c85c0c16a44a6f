"""The line every run ends with (its folder, state and monitored metric), and a sweep's table.

Printed even with -q: it is the result, not progress. The metric shown is the test value of the one
a binding named `monitor` chooses (`test_accuracy` for `fit_model.monitor = 'val_accuracy'`), else
that metric itself, else the first recorded metric.
"""
from __future__ import annotations

import re
from pathlib import Path

from .finished import final_metrics

__all__ = ["summary_line", "members_table"]

_MONITOR = re.compile(r"^\S*\.monitor\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def monitored_metric(folder: Path, metrics: dict[str, float]) -> str | None:
    try:
        chosen = _MONITOR.findall((folder / "config.gin").read_text(errors="replace"))
    except OSError:
        chosen = []
    for name in chosen:  # its test value first: what docs/command-line.md promises the `done:` line shows
        for candidate in (name.replace("val_", "test_", 1), name):
            if candidate in metrics:
                return candidate
    return next(iter(metrics), None)


def summary_line(folder: str | Path, status: str | None = None) -> str:
    """`status: folder  (metric = value)`; `status` is read from the folder unless the caller knows it
    (a run that just returned is done)."""
    folder = Path(folder)
    metrics = final_metrics(folder)
    name = monitored_metric(folder, metrics)
    if status is None:
        from ..experiment.folder_status import read_folder_status
        from ..experiment.statuses import RunStatus

        status = read_folder_status(folder).status
        status = RunStatus.DONE if status is RunStatus.RUNNING else status  # the run printing this holds the lock still
    result = f"{name} = {metrics[name]:.6g}" if name else "no metrics recorded"
    return f"{status}: {folder}  ({result})"


def members_table(folders: list[Path]) -> str | None:
    from .compare import load_rows, render, table  # only sweeps print tables: a run's last line needs none

    existing = [f for f in folders if (Path(f) / "config.gin").is_file()]
    if not existing:
        return None
    return render(*table(load_rows(existing)))
