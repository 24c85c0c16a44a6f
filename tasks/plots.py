"""PNG plots of a run: training curves from the CSV log, and the confusion matrix.

Uses matplotlib's object API (`Figure`), not pyplot: no global backend is selected and no GUI is
needed, so plotting works in DataLoader-free headless runs and inside tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_training_curves(metrics_csv: str | Path, path: str | Path, tmp_dir: Path | None = None) -> Path | None:
    """One panel per metric (`loss`, `accuracy`, ...) with its train and val curves per epoch.

    Returns the written path, or None when the log has no per-epoch values. `tmp_dir`: see `save_png`.
    """
    log = pd.read_csv(metrics_csv)
    if "epoch" not in log or log.empty:
        return None
    per_epoch = log.groupby("epoch").last()  # Lightning logs train and val rows separately
    names = sorted({c.split("_", 1)[1] for c in per_epoch.columns if c.startswith(("train_", "val_"))})
    if not names:
        return None
    figure = Figure(figsize=(4.5 * len(names), 3.5), layout="constrained")
    for axis, name in zip(figure.subplots(1, len(names), squeeze=False)[0], names):
        for stage in ("train", "val"):
            column = f"{stage}_{name}"
            if column in per_epoch:
                series = per_epoch[column].dropna()
                axis.plot(series.index, series.values, marker="o", markersize=3, label=stage)
        axis.set(title=name, xlabel="epoch")
        axis.grid(alpha=0.3)
        axis.legend()
    return save_png(figure, path, tmp_dir)


def plot_confusion_matrix(matrix: np.ndarray, classes: Sequence[str], path: str | Path,
                          tmp_dir: Path | None = None) -> Path:
    """Row-normalised confusion matrix (true class per row) with counts written in each cell."""
    matrix = np.asarray(matrix)
    normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.5 * len(classes) + 2)
    figure = Figure(figsize=(size + 1, size), layout="constrained")
    axis = figure.subplots()
    image = axis.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(image, ax=axis, label="fraction of true class")
    ticks = np.arange(len(classes))
    axis.set_xticks(ticks, classes, rotation=45, ha="right")
    axis.set_yticks(ticks, classes)
    axis.set(xlabel="predicted", ylabel="true", title="confusion matrix (test)")
    if len(classes) <= 30:
        for (row, col), count in np.ndenumerate(matrix):
            if count:
                axis.text(col, row, str(count), ha="center", va="center", fontsize=7,
                          color="white" if normalised[row, col] > 0.5 else "black")
    return save_png(figure, path, tmp_dir)


def save_png(figure: Figure, path: str | Path, tmp_dir: Path | None = None) -> Path:
    """Write `figure` atomically: a killed run leaves the old plot or the new one, never half a PNG.

    The temporary file goes to `tmp_dir` (the experiment's `.tmp`, emptied on the next run), else
    beside `path`.
    """
    from ginpipe.io import atomic_write

    atomic_write(Path(path), lambda f: figure.savefig(f, format="png", dpi=110), tmp_dir=tmp_dir, durable=False)
    return Path(path)
