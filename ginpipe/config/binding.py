"""Hands the final bindings to gin: the one place where gin's global config is written."""
from __future__ import annotations

import gin

from ..errors import ConfigError
from . import gin_internals
from .resolution import ResolvedConfig
from .values import MacroRef, Ref, map_leaves

__all__ = ["bind_all"]


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


def _to_gin(value):
    return map_leaves(value, _leaf_to_gin)


def _leaf_to_gin(leaf):
    if isinstance(leaf, Ref):
        return gin_internals.reference(leaf.name, leaf.evaluate)
    if isinstance(leaf, MacroRef):
        return gin_internals.macro(leaf.name)
    return leaf
