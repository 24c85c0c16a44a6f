"""Cache keys of tasks and the records that let a rerun skip them.

A task's key covers exactly what can change its result: the task's source, the gin bindings of
every configurable it used (macros substituted), and the versions of the state keys it read. A value
a task writes gets the version `digest(task key, state key)`: provenance, not content, so that
deciding what to rerun never hashes a dataset or a model.
"""
from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config.resolution import ResolvedConfig
from ..config.values import canonical_text
from .fingerprint import digest

__all__ = ["TaskRecord", "task_key", "written_version", "source_digest", "CodeDigests"]


@dataclass
class TaskRecord:
    """What a finished task did, as stored in `state/index.json`."""

    task: str  # dotted name of the task function
    key: str
    used: list[str]  # gin selectors of the configurables it used
    reads: dict[str, str]  # state key -> version it read
    writes: dict[str, dict] = field(default_factory=dict)  # key -> {version, file, format}
    deletes: list[str] = field(default_factory=list)
    folder: str | None = None  # under state/

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TaskRecord":
        return cls(**data)


def source_digest(fn) -> str:
    """Hash of the task's own source (its function, or its class for callable objects)."""
    target = fn if inspect.isfunction(fn) or inspect.isclass(fn) else type(fn)
    try:
        return digest(inspect.getsource(target))
    except (OSError, TypeError):
        return digest(getattr(target, "__qualname__", repr(target)))


class CodeDigests:
    """Hashes of the project's own modules (files under `root`), read once per run.

    A task's key covers the whole module of the task and of every configurable it used, when that
    module is the project's: editing a helper beside `fit_model`, or the `Resnet` class it built,
    reruns it. Installed libraries are left out (their versions are in environment.json).
    """

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._files: dict[str, str] = {}

    def of(self, objects) -> list[str]:
        found = set()
        for obj in objects:
            file = getattr(inspect.getmodule(obj), "__file__", None)
            if file and self._is_project_file(file):
                found.add(file)
        return [f"{Path(f).relative_to(self.root)}:{self._digest(f)}" for f in sorted(found)]

    def _is_project_file(self, file: str) -> bool:
        path = Path(file).resolve()
        return path.is_relative_to(self.root) and "site-packages" not in path.parts

    def _digest(self, file: str) -> str:
        if file not in self._files:
            self._files[file] = digest(Path(file).read_bytes())
        return self._files[file]


def task_key(identity: str, source: str, selectors, config: ResolvedConfig, reads: dict[str, str]) -> str:
    """The cache key of a task (see module docstring)."""
    wanted = set(selectors)
    final = {}
    for b in config.bindings:
        if not b.is_macro and b.selector in wanted:
            final[b.key] = canonical_text(b.value, config.macros)
    lines = [f"{scope}/{selector}.{arg}={text}" for (scope, selector, arg), text in sorted(final.items())]
    read_lines = [f"{k}={v}" for k, v in sorted(reads.items())]
    return digest(identity, source, *lines, "--reads--", *read_lines)


def written_version(key: str, state_key: str) -> str:
    return digest(key, state_key)
