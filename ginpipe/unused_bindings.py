"""Bindings that nothing used: reported after a run instead of passing silently.

A binding to a configurable that no task reached (a typo'd scope, an object the task list never
references, or a second copy of a class built elsewhere) changes nothing, and the run looks fine.
gin records every configurable it called, with its scope, so once every task has really run (none
came from the cache) the bindings whose configurable was never called are known for certain.
"""
from __future__ import annotations

import gin

from .composer import Binding
from .resolution import ResolvedConfig

__all__ = ["unused_bindings"]


def unused_bindings(config: ResolvedConfig) -> list[Binding]:
    """Final bindings whose configurable gin never called in a matching scope during the run."""
    calls: dict[str, list[set[str]]] = {}
    for scope, selector in gin.config._OPERATIVE_CONFIG:  # noqa: SLF001 - gin has no public accessor
        calls.setdefault(selector, []).append(set(scope.split("/")) - {""})
    final = {b.key: b for b in config.bindings if not b.is_macro}
    return [b for b in final.values()
            if not any(set(b.scope.split("/")) - {""} <= called for called in calls.get(b.selector, []))]


def describe(bindings: list[Binding]) -> str:
    listed = "; ".join(f"`{_written(b)}` ({b.where.file}, line {b.where.line})" for b in bindings)
    return (f"{len(bindings)} binding(s) were never used: no task called their configurable: {listed}."
            " A binding applies only where the task list reaches its configurable through `@name`"
            " (in the scope written), or where code calls it through gin.")


def _written(b: Binding) -> str:
    """The binding as the user wrote it (its line), else its complete name."""
    text = (b.where.text or "").split("#", 1)[0].strip()
    return text if text else f"{b.scope + '/' if b.scope else ''}{b.selector}.{b.arg}"
