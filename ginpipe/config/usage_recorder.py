"""Records which configurables a task used, by watching gin's operative config while it runs.

gin notes every configurable call in its operative config. During a run, that dict is swapped for
one that also tells the runner which (scope, selector) pairs were touched since the task started:
those bindings, and only those, go into the task's cache key.
"""
from __future__ import annotations

import contextlib

from . import gin_internals

__all__ = ["UsageRecorder"]


class _RecordingDict(dict):
    touched: set | None = None

    def setdefault(self, key, default=None):
        if self.touched is not None:
            self.touched.add(key[1])
        return super().setdefault(key, default)


class UsageRecorder:
    """Install with `with recorder:` for a run; `with recorder.task() as used:` per task."""

    def __enter__(self):
        self._original = gin_internals.operative_config()
        self._recording = _RecordingDict(self._original)
        gin_internals.set_operative_config(self._recording)
        return self

    def __exit__(self, *exc):
        self._original.clear()
        self._original.update(self._recording)
        gin_internals.set_operative_config(self._original)

    @contextlib.contextmanager
    def task(self):
        outer = self._recording.touched
        used: set[str] = set()
        self._recording.touched = used
        try:
            yield used
        finally:
            self._recording.touched = outer
            if outer is not None:  # a nested pipeline's tasks also count for the enclosing one
                outer |= used
