"""Hands the final bindings to gin: the one place where gin's global config is written."""
from __future__ import annotations

import gin

from .composer import MacroRef, Ref
from .errors import ConfigError
from .resolution import ResolvedConfig

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
    if isinstance(value, Ref):
        return gin.config.ConfigurableReference(value.name, value.evaluate)
    if isinstance(value, MacroRef):
        return gin.config.ParserDelegate().macro(value.name)
    if isinstance(value, list):
        return [_to_gin(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_to_gin(v) for v in value)
    if isinstance(value, dict):
        return {_to_gin(k): _to_gin(v) for k, v in value.items()}
    return value
