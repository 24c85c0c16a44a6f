"""What a finished experiment folder says: its bindings (from config.gin) and its final metrics.

Shared by `ginpipe compare` and `ginpipe reproduce`. Bindings are read with gin's own parser
(nothing is imported); metrics come from the state key `metrics` (read lazily, alone) and from
`metrics.json`; only numbers count.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from ..config.composition import compose
from ..errors import ExperimentError
from ..experiment.metrics import numeric_metrics
from ..state.loading import load_state

__all__ = ["NAMING_MACROS", "experiment_folders", "read_bindings", "final_metrics", "read_record"]

NAMING_MACROS = {"EXPERIMENT_NAME", "OUTPUT_DIR", "PROJECT_NAME"}  # differ by construction


def experiment_folders(paths: Sequence[str | Path]) -> list[Path]:
    """Experiment folders among `paths`; a project folder stands for all its experiments."""
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / "config.gin").is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.glob("*/config.gin")))
    if not found:
        raise ExperimentError(f"No experiment folder (with a config.gin) among: {', '.join(map(str, paths))}.",
                              hint="Pass experiment folders, e.g. `ginpipe compare experiments/my_project/*`.")
    return list(dict.fromkeys(found))


def read_bindings(config_file: Path) -> dict[str, str]:
    """`scope/selector.arg` (or a macro's name) -> value as gin text, naming macros left out."""
    bindings = {}
    for b in compose([str(config_file)]).bindings:
        name = (f"{b.scope}/" if b.scope else "") + (f"{b.selector}.{b.arg}" if b.arg else b.selector)
        if name not in NAMING_MACROS:
            bindings[name] = repr(b.value)
    return bindings


def final_metrics(folder: Path) -> dict[str, float]:
    """Numeric top-level metrics from the state key `metrics` and from `metrics.json`."""
    found: dict[str, float] = {}
    index = read_record(folder / "state" / "index.json")
    tasks = index.get("tasks") if isinstance(index, dict) else None
    records = tasks.values() if isinstance(tasks, dict) else ()
    if any(isinstance(r, dict) and "metrics" in (r.get("writes") or ()) for r in records):
        try:
            found.update(numeric_metrics(load_state(folder)["metrics"]))
        except Exception:  # noqa: BLE001 - unsaved or unreadable: metrics.json may still have them
            pass
    found.update(numeric_metrics(read_record(folder / "metrics.json")))
    return found


def read_record(path: Path):
    """The JSON record (run.json, metrics.json, ...) in `path`, or None when unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
