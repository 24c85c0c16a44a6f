"""What the task list can reach: the configurables it references, through `@` and macros, transitively.

gin evaluates a binding only when its configurable is called, and a `%MACRO` only when a binding that
uses it is evaluated. The runner calls what the task list references (`@fit_model`), and what their
bindings reference in turn (`fit_model.trainer = @pl.Trainer`, `Resnet.head = %HEAD` with
`HEAD = @LinearHead()`). A configurable outside that closure (the `SomeHead` of a feature config
shared between models) is never called by the runner, so gin, and the original GinPipe, accept its
bindings' undefined macros; `validation.check_macros` refuses them only inside the closure.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..text.composition import Binding
from ..resolution import ResolvedConfig
from ..text.values import MacroRef, Ref, walk

__all__ = ["Reach", "reach_from", "final_bindings"]


@dataclass(frozen=True)
class Reach:
    """Complete selectors and macro names reachable from the roots, and the final bindings (scopes are
    not told apart: a configurable reached in one scope counts as reached in all, so nothing
    reachable is missed). A binding a later one replaced is never evaluated, so never reached."""

    selectors: frozenset[str]
    macros: frozenset[str]
    final: frozenset[int]  # id() of each final binding

    def reaches(self, binding: Binding) -> bool:
        if id(binding) not in self.final:
            return False
        return binding.macro_name in self.macros if binding.is_macro else binding.selector in self.selectors


def final_bindings(config: ResolvedConfig) -> list[Binding]:
    """The binding that wins for each key (each macro name), in order."""
    last = {("%", b.macro_name) if b.is_macro else b.key: b for b in config.bindings}
    winners = {id(b) for b in last.values()}
    return [b for b in config.bindings if id(b) in winners]


def reach_from(config: ResolvedConfig, roots: Iterable[str]) -> Reach:
    """The configurables and macros that calling `roots` can evaluate, under `config`'s final bindings."""
    final = final_bindings(config)
    values: dict[tuple[str, str], list] = defaultdict(list)  # ("@", selector) or ("%", macro) -> values
    for b in final:
        values[("%", b.macro_name) if b.is_macro else ("@", b.selector)].append(b.value)
    seen = {("@", root) for root in roots}
    stack = list(seen)
    while stack:
        for value in values.get(stack.pop(), []):
            for leaf in walk(value):
                found = (("@", leaf.selector) if isinstance(leaf, Ref) else
                         ("%", leaf.name) if isinstance(leaf, MacroRef) else None)
                if found is not None and found not in seen:
                    seen.add(found)
                    stack.append(found)
    return Reach(frozenset(name for kind, name in seen if kind == "@"),
                 frozenset(name for kind, name in seen if kind == "%"),
                 frozenset(id(b) for b in final))
