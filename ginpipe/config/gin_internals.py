"""Every use of gin's private API, in one place: gin has no public lookup for what this needs.

gin-config 0.5 keeps its registry of configurables (`_REGISTRY`), its constants (`_CONSTANTS`) and
the operative config it records calls into (`_OPERATIVE_CONFIG`) as module globals, and re-raises a
configured call's exception as a dynamic subclass. ginpipe reads and swaps these here only, so that a
gin upgrade that moves them breaks one module (the pinned version is in pyproject.toml), and a test
keeps every other module, inside ginpipe and out, off gin's private names.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import gin

__all__ = ["registered_selector", "registered_object", "forget", "registered_objects", "constants",
           "ensure_configurable", "operative_config", "set_operative_config", "reference", "macro",
           "unwrap_exception", "bound_arguments"]


def registered_selector(name: str) -> str | None:
    """The complete selector gin would match `name` (`double`, `steps.double`) to, if any."""
    match = gin.config._REGISTRY.get_match(name)
    return match.selector if match else None


def registered_object(selector: str):
    """The plain function or class registered under the complete `selector` (None when none)."""
    configurable = gin.config._REGISTRY.get(selector)
    return None if configurable is None else configurable.wrapped


def forget(selector: str) -> None:
    """Unregister `selector` (a stale registration: its module was reloaded)."""
    gin.config._REGISTRY.pop(selector)


def registered_objects() -> dict[str, object]:
    """Complete selector -> the plain function or class, for everything registered now."""
    return {s: c.wrapped for s, c in gin.config._REGISTRY.items()}


def constants() -> Mapping[str, object]:
    """gin's constants (`gin.constant`), which a `%NAME` may name as well as a macro."""
    return gin.config._CONSTANTS


def ensure_configurable(fn: Callable, name: str, module: str) -> None:
    """Register `fn` as `module.name` unless something is registered under `name` already."""
    if registered_selector(name) is None:
        gin.external_configurable(fn, name=name, module=module)


def operative_config() -> dict:
    """The dict gin records every configurable call into (see `ginpipe.config.usage_recorder`)."""
    return gin.config._OPERATIVE_CONFIG


def set_operative_config(replacement: dict) -> None:
    gin.config._OPERATIVE_CONFIG = replacement


def reference(name: str, evaluate: bool):
    """gin's own `@name` / `@name()` object."""
    return gin.config.ConfigurableReference(name, evaluate)


def macro(name: str):
    """gin's own `%name` object."""
    return gin.config.ParserDelegate().macro(name)


def unwrap_exception(error: BaseException) -> BaseException:
    """The exception a gin-configured call raised, without gin's "In call to configurable" proxy.

    gin re-raises errors from configured calls as a dynamically made subclass whose message gains
    a suffix; it keeps the original in a closure. Users should see their own error, once.
    """
    for _ in range(50):
        getter = type(error).__dict__.get("__getattr__")
        cells = getattr(getter, "__closure__", None) or ()
        inner = [c.cell_contents for c in cells if isinstance(c.cell_contents, BaseException)]
        if not inner or type(error).__name__ != type(inner[0]).__name__:
            return error
        error = inner[0]
    return error


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
