"""Reading a finished experiment back: its final state, lazily, from `state/`."""
from __future__ import annotations

from pathlib import Path

from .errors import ExperimentError
from .state import State
from .store import Store

__all__ = ["load_state"]


def load_state(experiment_dir) -> State:
    """The final state of an experiment; each value is read from disk on first access.

    Example:
        >>> state = ginpipe.load_state("experiments/my_project/seed3")  # doctest: +SKIP
        >>> state["metrics"]  # doctest: +SKIP
    """
    folder = Path(experiment_dir)
    if not folder.is_dir():
        raise ExperimentError(f"load_state: {folder} does not exist.",
                              hint="Pass an experiment folder, e.g. experiments/my_project/<name>.")
    if not (folder / "state" / "index.json").is_file():
        raise ExperimentError(f"load_state: {folder} is not a ginpipe experiment with saved state"
                              " (no state/index.json).",
                              hint="Pass an experiment folder whose run saved at least one task.")
    store = Store(folder)
    state = State()
    for label in sorted(store.records, key=_pipeline_order):
        store.restore(store.records[label], state)
    return state


def _pipeline_order(label: str) -> list[int]:
    return [int(part.split("-", 1)[0]) for part in label.split("/")]
