"""The numbers among a run's final metrics (the state key `metrics`, `metrics.json`).

Per-class reports, confusion matrices and paths are left out: only top-level numbers compare across
experiments. `ginpipe compare` and the tracking of a run read metrics through here.
"""
from __future__ import annotations

__all__ = ["numeric_metrics"]


def numeric_metrics(metrics) -> dict[str, float]:
    """`{name: float}` of the top-level numbers of `metrics` (a dict, or Lightning's list of dicts).

    Example:
        >>> numeric_metrics({"test_accuracy": 0.5, "classes": ["a"], "n": 3})
        {'test_accuracy': 0.5, 'n': 3.0}
    """
    if isinstance(metrics, list):  # Lightning's trainer.test() returns one dict per dataloader
        merged = {}
        for item in metrics:
            merged.update(item if isinstance(item, dict) else {})
        metrics = merged
    if not isinstance(metrics, dict):
        return {}
    out = {}
    for key, value in metrics.items():
        if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
            value = value.item()  # a 0-d numpy or torch scalar
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[str(key)] = float(value)
    return out
