"""Hands the final bindings to gin: the one place where gin's global config is written.

Checking and planning a run need gin's view of the config (config.gin is gin's own print of it)
but not the objects, whose modules may import torch. Until a task runs, each configurable is a
stand-in registered under its complete selector: a function that accepts any parameter and must
never be called. `register_objects` (in `registry`) replaces the stand-ins with the real objects.
"""
from __future__ import annotations

from collections.abc import Iterable

import gin

from ..errors import ConfigError
from . import gin_internals
from .resolution import ResolvedConfig
from .text.values import MacroRef, Ref, map_leaves

__all__ = ["bind_all", "bind_stand_ins", "forget_stand_ins", "is_stand_in"]

_stand_ins: dict[str, object] = {}  # complete selector -> its stand-in, while registered


def bind_all(config: ResolvedConfig) -> None:
    """Clear gin's config and bind every final binding, in order."""
    gin.clear_config()
    for b in config.bindings:
        try:
            value = _to_gin(b.value)
            if b.is_macro:
                gin.bind_parameter((b.macro_name, "gin.macro", "value"), value)
            else:
                gin.bind_parameter((b.scope, b.selector, b.arg), value)
        except Exception as e:  # gin's own checks: report them at the user's line
            raise ConfigError(f"gin refused this binding: {e}", b.where) from None


def bind_stand_ins(config: ResolvedConfig, selectors: Iterable[str]) -> None:
    """Register a stand-in for each selector gin does not know yet, then bind the config.

    A stand-in has the name, qualified name and module of the object it stands for (from
    `config.signatures`), so that a task is named and keyed alike before and after the import.
    """
    for selector in selectors:
        if gin_internals.registered_object(selector) is None:
            module, _, name = selector.rpartition(".")
            stand_in = _make_stand_in(selector, config.signatures.get(selector))
            gin.external_configurable(stand_in, name=name, module=module or None)
            _stand_ins[selector] = stand_in
    bind_all(config)


def forget_stand_ins() -> None:
    """Unregister the stand-ins no real object replaced (a dry run, a run whose tasks were all cached)."""
    for selector, stand_in in list(_stand_ins.items()):
        if gin_internals.registered_object(selector) is stand_in:
            gin_internals.forget(selector)
        del _stand_ins[selector]


def is_stand_in(obj) -> bool:
    return getattr(obj, "__ginpipe_stand_in__", False)


def _make_stand_in(selector: str, signature):
    def stand_in(*args, **kwargs):
        raise RuntimeError(f"ginpipe bug: `{selector}` was called before its module was imported")
    if signature is not None:
        stand_in.__name__, stand_in.__qualname__ = signature.name, signature.qualname
        stand_in.__module__ = signature.module
    stand_in.__ginpipe_stand_in__ = True  # type: ignore[attr-defined]  # our mark on our own function
    return stand_in


def _to_gin(value):
    return map_leaves(value, _leaf_to_gin)


def _leaf_to_gin(leaf):
    if isinstance(leaf, Ref):
        return gin_internals.reference(leaf.name, leaf.evaluate)
    if isinstance(leaf, MacroRef):
        return gin_internals.macro(leaf.name)
    return leaf
