"""The `tasks/` folder of the working folder, as the package `tasks`, with or without `__init__.py`.

README's first example is a bare `tasks/steps.py`. Without an `__init__.py` Python would make it a
namespace package, which loses to any installed package called `tasks` (this repository installs
one): during a run the working folder's own folder is put in `sys.modules` as `tasks` instead.
"""
from __future__ import annotations

import contextlib
import sys
import types
from pathlib import Path

__all__ = ["local_task_packages", "local_tasks_importable"]


def _folder() -> Path:
    return Path.cwd() / "tasks"


def local_task_packages() -> list[str]:
    """["tasks"] when the working folder has a `tasks/` folder holding Python files."""
    folder = _folder()
    return ["tasks"] if folder.is_dir() and any(folder.rglob("*.py")) else []


@contextlib.contextmanager
def local_tasks_importable():
    """`import tasks.x` finds the working folder's `tasks/x.py` while the block runs."""
    folder = _folder()
    if not local_task_packages() or (folder / "__init__.py").is_file():
        yield  # a regular package: the working folder is first on sys.path already
        return
    saved = {m: sys.modules.pop(m) for m in list(sys.modules) if m == "tasks" or m.startswith("tasks.")}
    package = types.ModuleType("tasks", "The working folder's tasks/ (no __init__.py).")
    package.__path__ = [str(folder)]
    sys.modules["tasks"] = package
    try:
        yield
    finally:
        for name in [m for m in sys.modules if m == "tasks" or m.startswith("tasks.")]:
            del sys.modules[name]
        sys.modules.update(saved)
