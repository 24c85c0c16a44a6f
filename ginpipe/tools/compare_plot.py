"""`ginpipe compare --plot METRIC`: one curve per experiment, from its Lightning `metrics.csv`.

A metric logged once per epoch is drawn against the epoch, anything else against the step; the ticks
are whole numbers either way. The legend sits outside the axes, so that no curve hides behind it, and
the experiments that have no curve of the metric are named with the reason (no log, no such column).
Training logs set aside by a changed fit (`logs/training-<hash>/`) are another configuration's and
are not read.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, ExperimentError, did_you_mean
from ..experiment.folder_safety import project_root
from ..files import atomic_write
from ..tracking.curve_backfill import training_logs

__all__ = ["Curve", "read_curve", "plot_curves", "check_plot_file"]

@dataclass
class Curve:
    points: list[tuple[float, float]]  # (x, value), sorted
    x: str  # "epoch" or "step"
    columns: set[str]  # every column of the experiment's logs, for the error message


def read_curve(folder: Path, metric: str) -> Curve:
    """`metric`'s values in the experiment's `metrics.csv` files (none found: no points)."""
    rows: list = []
    columns: set[str] = set()
    for log in training_logs(folder):
        with open(log, newline="") as f:
            reader = csv.DictReader(f)
            columns.update(reader.fieldnames or [])
            rows += [line for line in reader if line.get(metric) not in (None, "")]
    epochs = [line.get("epoch") for line in rows]
    per_epoch = all(e not in (None, "") for e in epochs) and len(set(epochs)) == len(epochs)
    x = "epoch" if rows and per_epoch else "step"
    points = [(float(line[x]), float(line[metric])) for line in rows if line.get(x) not in (None, "")]
    return Curve(sorted(points), x, columns)


def plot_curves(rows: list, metric: str, path: Path) -> tuple[Path, list[str]]:
    """Write the PNG of `metric` for `rows` (compare's `Row`s); return it and the left-out experiments,
    each as `name (why)`."""
    curves, left_out, columns = {}, [], set()
    for row in rows:
        curve = read_curve(row.folder, metric)
        columns |= curve.columns
        if curve.points:
            curves[row.name] = curve
        else:
            left_out.append(f"{row.name} ({'no metrics.csv' if not curve.columns else f'no `{metric}` column'})")
    if not curves:
        raise ConfigError(f"No metrics.csv of these experiments has a `{metric}` column."
                          f"{did_you_mean(metric, columns)}",
                          hint="Columns: " + (", ".join(sorted(columns - {'step', 'epoch'})) or "no metrics.csv found"))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(9, 4))
    for name, curve in curves.items():
        axes.plot([p[0] for p in curve.points], [p[1] for p in curve.points], marker="o", markersize=3, label=name)
    xs = {c.x for c in curves.values()}
    axes.set_xlabel("epoch" if xs == {"epoch"} else "step")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(metric)
    axes.grid(alpha=0.3)
    figure.subplots_adjust(left=0.09, right=0.66, top=0.95, bottom=0.13)  # the right third: the legend
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    try:  # staged and renamed: a kill or a full disk never leaves half a PNG under the name
        atomic_write(path, lambda f: figure.savefig(f, format="png", dpi=120), durable=False)
    except OSError as e:
        raise ExperimentError(f"Cannot write --plot-file {path}: {e.strerror or e} ({e.filename or path.parent}).",
                              hint="Pass a path in a writable folder with --plot-file.") from None
    finally:
        plt.close(figure)
    return path, left_out


def check_plot_file(path: Path) -> Path:
    """Refuse a --plot-file that cannot become a PNG there, before anything is read or drawn: not a
    `.png` name, a folder, under a file, or in missing folders outside the working folder's project
    (created only inside it: a typo must not leave folders elsewhere)."""
    path = Path(path)
    hint = "Pass a path ending in .png in an existing folder, e.g. --plot-file val_loss.png."
    if path.suffix.lower() != ".png":
        raise ConfigError(f"--plot-file {path} is not a .png file name: the plot is a PNG image.", hint=hint)
    if path.is_dir():
        raise ConfigError(f"--plot-file {path} is a folder.", hint=hint)
    missing = []
    parent = path.absolute().parent
    while not parent.exists() and not parent.is_symlink():
        missing.append(parent)
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--plot-file {path}: {parent} is a file, not a folder.", hint=hint)
    root = project_root(Path.cwd().resolve())
    if missing and not (parent.resolve() == root or root in parent.resolve().parents):
        raise ConfigError(f"--plot-file {path}: the folder {missing[-1]} does not exist, and ginpipe creates"
                          f" folders only inside the project ({root}).",
                          hint="Create it first, or pass a path ending in .png in an existing folder.")
    return path
