"""What metrics a task declares it will produce, known before it runs.

A task may carry `declared_metrics(**bound) -> Iterable[str] | None`: given its gin-bound arguments
(as the run will pass them), the names of the metrics a run of it makes that a study can judge a trial
by (a final metric, in the state key `metrics` or metrics.json, or the metric it reports each epoch);
None when it cannot tell from the arguments (a model of an unknown kind, say). `declares_metrics`
attaches one. A search refuses an objective outside the union of its task list's declarations before
the first trial (`search/declared_metrics`); one task without a declaration leaves the union unknown.
"""
from __future__ import annotations

import ast
from typing import Any, Callable, Iterable

from ..config.registry.project_signatures import is_metric_declaration
from ..config.registry.source_modules import Unsure, parse_file
from .task_names import original

__all__ = ["declares_metrics", "declared_by", "all_decorated"]

Declaration = Callable[..., "Iterable[str] | None"]


def declares_metrics(declare: Declaration | None = None) -> Callable[[Callable], Callable]:
    """Decorate a task with what it will produce: `declare(**bound)` (None: no metric at all).

    Example:
        >>> @declares_metrics(lambda split="test", **_: [f"{split}_accuracy"])
        ... def evaluate(state, split="test"): ...
    """
    def attach(task: Callable) -> Callable:
        task.declared_metrics = declare if declare is not None else _none  # type: ignore[attr-defined]
        return task
    return attach


def _none(**_: Any) -> Iterable[str]:
    return ()


def all_decorated(tasks: Iterable[Any], selectors: dict[int, str], signatures: dict) -> bool:
    """Whether each task's source shows a `declares_metrics` decorator: read, not imported, so that a
    list with a custom task that declares nothing costs no import (a project's tasks may import torch).
    `signatures` is the registry's (complete selector -> `Signature`, whose `site` is the source)."""
    for task in tasks:
        fn = original(task)  # a stand-in, named after the object it stands for
        signature = signatures.get(selectors.get(id(task)) or f"{fn.__module__}.{fn.__qualname__}")
        site = getattr(signature, "site", None)
        if not site or not _decorated(*site):
            return False
    return True


def _decorated(path: str, qualname: str) -> bool:
    try:
        tree = parse_file(path)
    except Unsure:
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == qualname:
            return any(is_metric_declaration(tree, d) for d in node.decorator_list)
    return False


def declared_by(tasks: Iterable[Any], selectors: dict[int, str]) -> set[str] | None:
    """The union of what the (bound) `tasks` declare; None when one declares nothing or cannot tell."""
    names: set[str] = set()
    for task in tasks:
        fn = original(task)
        declare = getattr(fn, "declared_metrics", None)
        if declare is None:
            return None
        selector = selectors.get(id(task)) or selectors.get(id(fn))
        from ..config.gin_internals import bound_arguments  # gin: imported when a study asks, not with ginpipe.io

        made = declare(**(bound_arguments(selector) if selector else {}))
        if made is None:
            return None
        names |= set(made)
    return names
