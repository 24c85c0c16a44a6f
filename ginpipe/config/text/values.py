"""The values a config holds before gin sees them: references, macros, and walks over nested values.

gin's parser builds these light objects (through `composition`'s delegate) instead of gin's own, so
nothing is looked up or imported while configs are read; `binding` turns them into gin's at the end.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Ref", "MacroRef", "walk", "map_leaves", "canonical_text"]


@dataclass(frozen=True)
class Ref:
    """`@name` (a function or class) or `@name()` (its result), possibly with scopes: `train/x`."""

    name: str
    evaluate: bool

    @property
    def selector(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    def __repr__(self) -> str:
        return f"@{self.name}{'()' if self.evaluate else ''}"


@dataclass(frozen=True)
class MacroRef:
    """`%NAME`: the value bound to macro NAME."""

    name: str

    def __repr__(self) -> str:
        return f"%{self.name}"


def walk(value):
    """Yield every leaf of a (nested) value, containers included first."""
    yield value
    if isinstance(value, (list, tuple, set)):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk(k)
            yield from walk(v)


def map_leaves(value, fn):
    """`value` rebuilt with `fn` applied to every leaf (lists, tuples and dicts are rebuilt)."""
    if isinstance(value, list):
        return [map_leaves(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(map_leaves(v, fn) for v in value)
    if isinstance(value, dict):
        return {map_leaves(k, fn): map_leaves(v, fn) for k, v in value.items()}
    return fn(value)


def canonical_text(value, macros: dict, depth: int = 0) -> str:
    """`value` as text with macros substituted and dicts sorted: equal text, equal meaning."""
    if depth > 50:
        return repr(value)
    if isinstance(value, MacroRef):
        return canonical_text(macros.get(value.name, value), macros, depth + 1) if value.name in macros else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(canonical_text(v, macros, depth + 1) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(canonical_text(v, macros, depth + 1) for v in value) + ",)"
    if isinstance(value, dict):
        items = sorted((canonical_text(k, macros, depth + 1), canonical_text(v, macros, depth + 1))
                       for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    return repr(value)
