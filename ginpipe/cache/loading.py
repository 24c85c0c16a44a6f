"""Reading a finished experiment back: its final state, lazily, from `state/`.

A folder written by the original GinPipe has one `state.pkl` instead (a joblib pickle of the state,
`ginpipe.core.State` or a dict): it is read whole.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ExperimentError
from .shared import State
from .task_cache_folder import TaskCacheFolder

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
    if (folder / "state.pkl").is_file() and not (folder / "state" / "index.json").is_file():
        return _load_ginpipe_state(folder / "state.pkl")
    if not (folder / "state" / "index.json").is_file():
        raise ExperimentError(f"load_state: {folder} is not a ginpipe experiment with saved state"
                              " (no state/index.json).",
                              hint="Pass an experiment folder whose run saved at least one task.")
    task_cache = TaskCacheFolder(folder)
    state = State()
    for label in sorted(task_cache.records, key=_pipeline_order):
        task_cache.restore(task_cache.records[label], state)
    return state


def _pipeline_order(label: str) -> list[int]:
    return [int(part.split("-", 1)[0]) for part in label.split("/")]


def _load_ginpipe_state(path: Path) -> State:
    """The original GinPipe's `state.pkl`: joblib's format when joblib is installed, else plain pickle."""
    try:
        import joblib
    except ImportError:  # a joblib pickle without numpy arrays is a plain pickle
        import pickle
        with open(path, "rb") as f:
            values = pickle.load(f)
    else:
        values = joblib.load(path)
    return State(dict(values.items()))
