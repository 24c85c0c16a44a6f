"""The numbers among a run's final metrics (the state key `metrics`, `metrics.json`), and floats
written without float32 noise (`plain_float`).

Per-class reports, confusion matrices and paths are left out: only top-level numbers compare across
experiments. `ginpipe compare` and the tracking of a run read metrics through here.
"""
from __future__ import annotations

import math
import struct

__all__ = ["numeric_metrics", "plain_float", "plain_numbers"]


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


def plain_float(value):
    """A float32's value as the shortest decimal that is the same float32: 0.10000000149011612 -> 0.1.

    torch computes metrics in float32; `.item()` widens them to float64, whose exact decimal of the
    float32 is noise in metrics.json, CSV logs and tables. A value that is not exactly a float32 (a
    float64 computed as such, like 9.05) is returned unchanged, and so is anything that is not a float.

    Example:
        >>> plain_float(0.10000000149011612), plain_float(9.05), plain_float(3)
        (0.1, 9.05, 3)
    """
    if type(value) is not float or not math.isfinite(value) or abs(value) > _FLOAT32_MAX:
        return value
    if _as_float32(value) != value:
        return value
    for digits in range(1, 10):  # 9 significant digits always identify a float32
        shorter = float(f"{value:.{digits}g}")
        if _as_float32(shorter) == value:
            return shorter
    return value


def plain_numbers(value):
    """`value` with `plain_float` applied to every float inside its dicts, lists and tuples."""
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_numbers(v) for v in value)
    return plain_float(value)


_FLOAT32_MAX = 3.4028234663852886e38


def _as_float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]
