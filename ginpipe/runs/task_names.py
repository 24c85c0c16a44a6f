"""How the runner names a task: its plain function behind gin's wrappers, its name and identity."""
from __future__ import annotations

__all__ = ["original", "task_name", "task_identity"]


def original(task):
    """The plain function behind gin's wrappers (or the object, for callable instances)."""
    seen = 0
    while hasattr(task, "__wrapped__") and seen < 20:
        task, seen = task.__wrapped__, seen + 1
    return task


def task_name(task) -> str:
    target = original(task)
    return getattr(target, "__name__", None) or type(target).__name__


def task_identity(task) -> str:
    target = original(task)
    if not hasattr(target, "__qualname__"):
        target = type(target)
    return f"{target.__module__}.{target.__qualname__}"
