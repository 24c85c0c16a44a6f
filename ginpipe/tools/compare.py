"""`ginpipe compare`: experiments side by side, the bindings that differ and the final metrics.

Bindings are read from each experiment's `config.gin` with gin's own parser (nothing is imported);
metrics from the state key `metrics` (read lazily, alone) and from `metrics.json` in the folder; a
search trial's folder adds its trial.json (number, state in the study, value). Only numbers are
shown (per-class reports, confusion matrices and paths are left out); `--group-by` folds experiments
that differ only in a binding into one row (`groups`); `--plot METRIC` draws that column of each
experiment's Lightning `metrics.csv` (`compare_plot`). No torch needed.
"""
from __future__ import annotations

import csv
import io
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import ConfigError, did_you_mean
from ..experiment.metrics import plain_float
from ..experiment.folder_status import read_folder_status
from ..experiment.statuses import RunStatus
from ..cache.task_cache_folder import UnreadableStateFile
from .compare_plot import check_plot_file, plot_curves
from .finished import experiment_folders, final_metrics, read_bindings, read_record

__all__ = ["Row", "load_rows", "differing_bindings", "render", "compare_command", "plot_curves"]

_MISSING = "—"


@dataclass
class Row:
    """One experiment: its folder, its bindings as gin text, its numeric final metrics, its status."""

    folder: Path
    bindings: dict[str, str]
    metrics: dict[str, float]
    status: RunStatus
    trial: dict | None = None  # a search trial's trial.json

    @property
    def name(self) -> str:
        return self.folder.name


def load_rows(paths: Sequence[str | Path]) -> list[Row]:
    """One row per experiment; a damaged folder is named and skipped while others are left to compare
    (its metrics are never shown as missing), and its own error is raised when it was the only one."""
    rows, damaged = [], []
    for folder in experiment_folders(paths):
        status = read_folder_status(folder)
        if status.problem:
            print(f"note: skipped {folder}: {status.problem}.", file=sys.stderr)
            continue
        try:
            metrics = final_metrics(folder)
        except UnreadableStateFile as e:
            damaged.append((folder, e))
            continue
        rows.append(Row(folder, read_bindings(folder / "config.gin"), metrics,
                        status.status, read_record(folder / "trial.json")))
    if not rows and len(damaged) == 1:
        raise damaged[0][1]
    for folder, error in damaged:
        print(f"note: skipped {folder}: {error.message}" + (f"\n  {error.hint}" if error.hint else ""), file=sys.stderr)
    if not rows:
        raise ConfigError("No experiment left to compare.", hint="See the notes above for why each was skipped.")
    return rows


def differing_bindings(rows: list[Row]) -> list[str]:
    """Bindings whose value is not the same in every experiment (absent counts as a value)."""
    names = list(dict.fromkeys(name for row in rows for name in row.bindings))
    return [n for n in names if len({row.bindings.get(n, _MISSING) for row in rows}) > 1]


def sort_rows(rows: list[Row], metric: str, reverse: bool = False) -> list[Row]:
    known = sorted({m for row in rows for m in row.metrics})
    if metric not in known:
        raise ConfigError(f"No experiment has the metric `{metric}`.{did_you_mean(metric, known)}",
                          hint="Metrics: " + (", ".join(known) or "none recorded"))
    present = [r for r in rows if metric in r.metrics and not math.isnan(r.metrics[metric])]
    absent = [r for r in rows if r not in present]
    return sorted(present, key=lambda r: r.metrics[metric], reverse=reverse) + absent


def table(rows: list[Row], show_all: bool = False, exact: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and cells: experiment, status (when not all done), differing bindings, metrics.

    Metrics show 6 significant digits, or every digit with `exact` (CSV).
    """
    names = (list(dict.fromkeys(n for r in rows for n in r.bindings)) if show_all
             else differing_bindings(rows))
    metrics = list(dict.fromkeys(m for r in rows for m in r.metrics))
    with_status = any(r.status is not RunStatus.DONE for r in rows)
    trials = any(r.trial for r in rows)  # a study's trials: their number, state and value first
    header = ["experiment", *(["trial", "state", "value"] if trials else []), *(["status"] if with_status else []),
              *names, *metrics]
    cells = [[r.name, *(_trial_cells(r.trial, exact) if trials else []), *([r.status] if with_status else []),
              *(r.bindings.get(n, _MISSING) for n in names),
              *(_format(r.metrics[m], exact) if m in r.metrics else _MISSING for m in metrics)] for r in rows]
    return header, cells


def _trial_cells(trial: dict | None, exact: bool) -> list[str]:
    if not isinstance(trial, dict):
        return [_MISSING] * 3
    value = trial.get("value")
    return [str(trial.get("number", _MISSING)), str(trial.get("state", _MISSING)),
            _format(float(value), exact) if isinstance(value, (int, float)) else _MISSING]


def render(header: list[str], cells: list[list[str]], fmt: str = "text") -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([["" if c == _MISSING else c for c in row] for row in cells])
        return out.getvalue().rstrip("\n")
    if fmt == "markdown":
        def escape(c: str) -> str:
            return c.replace("|", r"\|")
        lines = ["| " + " | ".join(map(escape, header)) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(map(escape, row)) + " |" for row in cells])
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def grouped_table(rows: list[Row], group_by: Sequence[str], fmt: str, sort: str | None = None,
                  reverse: bool = False) -> tuple[list[str], list[list[str]]]:
    """The table of `--group-by`: finished experiments that differ only in `group_by`, one row each group."""
    from .groups import group_rows, group_table, mean_std, resolve_binding

    known = list(dict.fromkeys(n for r in rows for n in r.bindings))
    by = [resolve_binding(name, known) for name in group_by]
    done = [r for r in rows if r.status is RunStatus.DONE]
    for row in rows:
        if row.status is not RunStatus.DONE:
            print(f"note: {row.folder} is left out of the groups: it is {row.status}.", file=sys.stderr)
    if not done:
        raise ConfigError("No finished experiment to group.", hint="See `ginpipe status` for what happened to them.")
    names = [n for n in differing_bindings(done) if n not in by]
    groups = group_rows(done, by, names)
    metrics = list(dict.fromkeys(m for r in done for m in r.metrics))
    if sort:
        sort_rows(done, sort)  # the same error for a metric no experiment has
        def value(g) -> float:
            return mean_std([r.metrics[sort] for r in g.rows if sort in r.metrics])[0]
        present = [g for g in groups if not math.isnan(value(g))]
        groups = sorted(present, key=value, reverse=reverse) + [g for g in groups if g not in present]
    exact = fmt == "csv"
    return group_table(groups, names, metrics, fmt, lambda v: _format(v, exact))


def compare_command(paths: Sequence[str], sort: str | None = None, reverse: bool = False, fmt: str = "text",
                    plot: str | None = None, plot_file: str | None = None, show_all: bool = False,
                    group_by: Sequence[str] = ()) -> int:
    """What `ginpipe compare` does: print the table (and write the plot)."""
    target = None
    if plot:  # a --plot-file that cannot be written is refused before the table is printed
        target = check_plot_file(Path(plot_file or "compare-" + re.sub(r"[^\w.-]+", "_", plot) + ".png"))
    rows = load_rows(paths)
    if group_by:
        print(render(*grouped_table(rows, group_by, fmt, sort, reverse), fmt=fmt))
    else:
        rows = sort_rows(rows, sort, reverse) if sort else rows
        print(render(*table(rows, show_all, exact=fmt == "csv"), fmt=fmt))
    for row in rows:
        # e.g. a --resume with a new config that failed
        if row.status is not RunStatus.DONE and row.metrics and not group_by:
            print(f"note: {row.folder} is {row.status}: its metrics (and model/) are from an earlier,"
                  " finished run, not from its current config.", file=sys.stderr)
    if plot:
        assert target is not None  # set above for --plot
        written, left_out = plot_curves(rows, plot, target)
        for item in left_out:
            print(f"note: left out of the plot: {item}", file=sys.stderr)
        print(f"Wrote {written}", file=sys.stderr)
    return 0


def _format(value: float, exact: bool = False) -> str:
    if math.isnan(value):
        return "nan"
    if exact:  # every digit that means something: not a float32's float64 noise, nor a mean's last bit
        if value.is_integer() and abs(value) < 1e15:
            return repr(int(value))
        return repr(float(f"{plain_float(value):.15g}"))
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
