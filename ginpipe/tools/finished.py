"""What a finished experiment folder says: its bindings (from config.gin) and its final metrics.

Shared by `ginpipe compare` and `ginpipe reproduce`. Bindings are read with gin's own parser
(nothing is imported); metrics come from the state key `metrics` (read lazily, alone) and from
`metrics.json`; only numbers count.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from ..config.text.composition import compose
from ..errors import ExperimentError
from ..experiment.metrics import numeric_metrics
from ..cache.task_cache_folder import UnreadableStateFile
from ..cache.loading import load_state

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
        except UnreadableStateFile as e:  # damaged: never read as "no metrics"
            raise UnreadableStateFile(f"The metrics of {folder} cannot be read. {e.message}",
                                      hint=_again(folder, e.label)) from None
        except Exception:  # not saved (keys_not_saved): metrics.json may have them
            pass
    path = folder / "metrics.json"
    record = read_record(path)
    if record is None and path.is_file():
        raise UnreadableStateFile(f"The metrics of {folder} cannot be read: {path} is not valid JSON (truncated"
                                  " or damaged).", hint=_again(folder, None))
    found.update(numeric_metrics(record))
    return found


def _again(folder: Path, task: str | None) -> str:
    """How to make a damaged file again: the experiment's own command, from the task that made it (or
    all of it, when no record says which task wrote the file)."""
    run = read_record(folder / "run.json")
    command = run.get("command") if isinstance(run, dict) else None
    command = command if isinstance(command, str) and command else f"ginpipe CONFIG... --output-dir {folder}"
    if task:
        return f"Make it again by rerunning that task and what follows:\n    {command} --from {task}"
    return f"Make it again by running the experiment again:\n    {command} --overwrite"


def read_record(path: Path):
    """The JSON record (run.json, metrics.json, ...) in `path`, or None when unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
