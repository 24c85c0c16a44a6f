"""Reading a finished experiment back: its final state, lazily, from `state/`."""
from __future__ import annotations

from pathlib import Path

from .shared import State
from .state_folder import StateFolder

__all__ = ["load_state"]


def load_state(experiment_dir) -> State:
    """The final state of an experiment; each value is read from disk on first access.

    Example:
        >>> state = ginpipe.load_state("experiments/my_project/seed3")  # doctest: +SKIP
        >>> state["metrics"]  # doctest: +SKIP
    """
    store = StateFolder(Path(experiment_dir))
    state = State()
    for label in sorted(store.records, key=_pipeline_order):
        store.restore(store.records[label], state)
    return state


def _pipeline_order(label: str) -> list[int]:
    return [int(part.split("-", 1)[0]) for part in label.split("/")]
