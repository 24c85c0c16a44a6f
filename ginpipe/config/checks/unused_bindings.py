"""Bindings that nothing used: reported after a run instead of passing silently.

A binding to a configurable that no task reached (a typo'd scope, an object the task list never
references, or a second copy of a class built elsewhere) changes nothing, and the run looks fine.
gin records every configurable it called, with its scope, so once every task has really run (none
came from the cache) the bindings whose configurable was never called are known for certain.

Only bindings the user can act on are reported, or users learn to ignore the warning:
* those the user wrote: in a config file named on the command line, or in `--mods` (a file those
  include, such as a base config's `include 'features/shared.gin'`, is the project's own structure:
  its settings for other combinations are not the user's to fix);
* not those of a stage a later binding swapped out: when `folder.gin` rebinds
  `load_dataset.reader_fn = [@read_folder]`, the base config's `read_synthetic.*` are the settings of
  a reader the task list no longer reaches, kept for the runs that use it.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

from .. import gin_internals
from ..text.composition import Binding
from .reach import final_bindings, reach_from
from ..resolution import ResolvedConfig
from ..text.values import Ref, walk

__all__ = ["unused_bindings", "describe", "swapped_out"]


def unused_bindings(config: ResolvedConfig, named: Iterable[str] = (),
                    pipeline: str = "execute_pipeline") -> list[Binding]:
    """Final bindings the user wrote whose configurable gin never called in a matching scope during
    the run, leaving out those of a stage swapped out (see the module's docstring). `named`: the
    config files given on the command line; `pipeline`: the complete selector of the task list's."""
    named = {os.path.realpath(n) for n in named}
    calls: dict[str, list[set[str]]] = {}
    for scope, selector in gin_internals.operative_config():
        calls.setdefault(selector, []).append(set(scope.split("/")) - {""})
    final = {b.key: b for b in config.bindings if not b.is_macro}
    swapped = swapped_out(config, pipeline)
    return [b for b in final.values()
            if not any(set(b.scope.split("/")) - {""} <= called for called in calls.get(b.selector, []))
            and b.selector not in swapped and _written_by_user(b, named)]


def swapped_out(config: ResolvedConfig, pipeline: str) -> set[str]:
    """Configurables that bindings a later one replaced referenced (and what their own bindings
    reference), which the task list no longer reaches."""
    winners = {id(b) for b in final_bindings(config)}
    replaced = [b for b in config.bindings if id(b) not in winners]
    dropped = {leaf.selector for b in replaced for leaf in walk(b.value) if isinstance(leaf, Ref)}
    return set(reach_from(config, dropped).selectors) - reach_from(config, [pipeline]).selectors


def _written_by_user(b: Binding, named: set[str]) -> bool:
    return b.where.file.startswith("--") or os.path.realpath(b.where.file) in named  # --mods, --sweep, ...


def describe(bindings: list[Binding]) -> str:
    listed = "; ".join(f"`{_written(b)}` ({b.where.file}, line {b.where.line})" for b in bindings)
    return (f"{len(bindings)} binding(s) were never used: no task called their configurable: {listed}."
            " A binding applies only where the task list reaches its configurable through `@name`"
            " (in the scope written), or where code calls it through gin.")


def _written(b: Binding) -> str:
    """The binding as the user wrote it (its line), else its complete name."""
    text = (b.where.text or "").split("#", 1)[0].strip()
    return text if text else f"{b.scope + '/' if b.scope else ''}{b.selector}.{b.arg}"
