"""`ginpipe compare`: experiments side by side, the bindings that differ and the final metrics.

Bindings are read from each experiment's `config.gin` with gin's own parser (nothing is imported);
metrics from the state key `metrics` (read lazily, alone) and from `metrics.json` in the folder; a
search trial's folder adds its trial.json (number, state in the study, value). Only
numbers are shown (per-class reports, confusion matrices and paths are left out). `--plot METRIC`
draws that column of each experiment's Lightning `metrics.csv` against the step. No torch needed.
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
from ..experiment.run_state import read_run_state
from .finished import experiment_folders, final_metrics, read_bindings, read_record

__all__ = ["Row", "load_rows", "differing_bindings", "render", "compare_command", "plot_curves"]

_MISSING = "—"


@dataclass
class Row:
    """One experiment: its folder, its bindings as gin text, its numeric final metrics, its status."""

    folder: Path
    bindings: dict[str, str]
    metrics: dict[str, float]
    status: str
    trial: dict | None = None  # a search trial's trial.json

    @property
    def name(self) -> str:
        return self.folder.name


def load_rows(paths: Sequence[str | Path]) -> list[Row]:
    rows = []
    for folder in experiment_folders(paths):
        rows.append(Row(folder, read_bindings(folder / "config.gin"), final_metrics(folder),
                        read_run_state(folder).state, read_record(folder / "trial.json")))
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
    with_status = any(r.status != "done" for r in rows)
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
        escape = lambda c: c.replace("|", r"\|")  # noqa: E731
        lines = ["| " + " | ".join(map(escape, header)) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(map(escape, row)) + " |" for row in cells])
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def plot_curves(rows: list[Row], metric: str, path: Path) -> Path:
    """One line per experiment: `metric` against the step, from `<experiment>/**/metrics.csv`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves, columns = {}, set()
    for row in rows:
        points = []
        for log in sorted(row.folder.rglob("metrics.csv")):
            with open(log, newline="") as f:
                reader = csv.DictReader(f)
                columns.update(reader.fieldnames or [])
                for line in reader:
                    value, step = line.get(metric), line.get("step") or line.get("epoch")
                    if value not in (None, "") and step not in (None, ""):
                        points.append((float(step), float(value)))
        if points:
            curves[row.name] = sorted(points)
    if not curves:
        raise ConfigError(f"No metrics.csv of these experiments has a `{metric}` column.{did_you_mean(metric, columns)}",
                          hint="Columns: " + (", ".join(sorted(columns - {'step', 'epoch'})) or "no metrics.csv found"))
    figure, axes = plt.subplots(figsize=(7, 4))
    for name, points in curves.items():
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label=name)
    axes.set_xlabel("step")
    axes.set_ylabel(metric)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def compare_command(paths: Sequence[str], sort: str | None = None, reverse: bool = False, fmt: str = "text",
                    plot: str | None = None, plot_file: str | None = None, show_all: bool = False) -> int:
    """What `ginpipe compare` does: print the table (and write the plot)."""
    rows = load_rows(paths)
    if sort:
        rows = sort_rows(rows, sort, reverse)
    print(render(*table(rows, show_all, exact=fmt == "csv"), fmt=fmt))
    for row in rows:
        if row.status != "done" and row.metrics:  # e.g. a --resume with a new config that failed
            print(f"note: {row.folder} is {row.status}: its metrics (and model/) are from an earlier,"
                  " finished run, not from its current config.", file=sys.stderr)
    if plot:
        target = Path(plot_file or "compare-" + re.sub(r"[^\w.-]+", "_", plot) + ".png")
        print(f"Wrote {plot_curves(rows, plot, target)}", file=sys.stderr)
    return 0


def _format(value: float, exact: bool = False) -> str:
    if math.isnan(value):
        return "nan"
    if exact:
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
