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
import functools
from typing import Any, Callable, Iterable

import gin

from .task_names import original

__all__ = ["declares_metrics", "declared_by", "bound_arguments", "all_decorated"]

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
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
    except (OSError, SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == qualname:
            return any(_named(d.func if isinstance(d, ast.Call) else d) == "declares_metrics"
                       for d in node.decorator_list)
    return False


def _named(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def declared_by(tasks: Iterable[Any], selectors: dict[int, str]) -> set[str] | None:
    """The union of what the (bound) `tasks` declare; None when one declares nothing or cannot tell."""
    names: set[str] = set()
    for task in tasks:
        fn = original(task)
        declare = getattr(fn, "declared_metrics", None)
        if declare is None:
            return None
        selector = selectors.get(id(task)) or selectors.get(id(fn))
        made = declare(**(bound_arguments(selector) if selector else {}))
        if made is None:
            return None
        names |= set(made)
    return names


def bound_arguments(selector: str) -> dict[str, Any]:
    """The arguments gin binds to `selector`, as the run resolves them: macros by their values, an
    `@name` reference as `functools.partial(object, **its bound arguments)` (what calling it makes);
    an `@name()` reference, which gin calls when the value is built, is left as gin's reference."""
    try:
        bound = gin.get_bindings(selector)
    except (ValueError, KeyError):
        return {}
    return {arg: _resolved(value) for arg, value in bound.items()}


def _resolved(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_resolved(v) for v in value)
    if isinstance(value, gin.config.ConfigurableReference):
        if value.configurable.wrapped is gin.config.macro:
            return _resolved(value.scoped_configurable_fn())
        if not value.evaluate:
            return functools.partial(value.configurable.wrapped, **bound_arguments(value.configurable.selector))
    return value
