"""What the demo page shows besides the probabilities: the spectrogram image and the experiment summary."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np


def spectrogram_image(log_mel: np.ndarray, seconds: float) -> np.ndarray:
    """The log-mel spectrogram as an RGB image (height, width, 3), time in seconds on the x axis."""
    import matplotlib

    matplotlib.use("Agg")  # no display; also keeps matplotlib from probing GUI toolkits
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 2.6), dpi=100)
    try:
        image = axes.imshow(log_mel, origin="lower", aspect="auto", cmap="magma",
                            extent=(0.0, seconds, 0, log_mel.shape[0]))
        axes.set_xlabel("time (s)")
        axes.set_ylabel("mel band")
        figure.colorbar(image, ax=axes, label="log power")
        figure.tight_layout()
        figure.canvas.draw()
        return np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    finally:
        plt.close(figure)


def experiment_markdown(summary: Mapping[str, Any], folder: str) -> str:
    """Name, classes and test metrics of the experiment a bundle came from, as Markdown."""
    name = "/".join(str(summary[k]) for k in ("project", "experiment") if summary.get(k)) or folder
    lines = [f"**Experiment** `{name}`  ", f"**Bundle** `{folder}`", ""]
    classes = summary.get("classes") or []
    if classes:
        lines += [f"**Classes** ({len(classes)}): " + ", ".join(f"`{c}`" for c in classes), ""]
    metrics = {k: v for k, v in (summary.get("metrics") or {}).items() if isinstance(v, (int, float))}
    if metrics:
        lines += ["| test metric | value |", "|---|---|"]
        lines += [f"| {key} | {value:.4f} |" for key, value in metrics.items()]
    return "\n".join(lines)


def bindings_markdown(summary: Mapping[str, Any]) -> str:
    """The model's and the feature extractor's bindings, as the gin lines they came from."""
    bindings = summary.get("bindings") or {}
    if not bindings:
        return ""
    lines = [f"{key} = {value!r}" for key, value in bindings.items()]
    return "**Key bindings** (from `model/config.gin`)\n```python\n" + "\n".join(lines) + "\n```"
