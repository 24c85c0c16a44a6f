"""Values of the wrong type or range, refused before any task runs, at the user's file and line.

Two sources say what a parameter accepts: its annotation (`n_layers: int` refuses `'ten'`), and a
short list of parameters whose meaning fixes their range wherever they appear (a batch size below 1,
0 epochs, which trains nothing and leaves an empty checkpoint). Anything else is left to the call.
"""
from __future__ import annotations

import inspect
import types
import typing

from .composer import Binding, MacroRef, Ref, walk
from .errors import ConfigError, Where
from .resolution import ResolvedConfig
from .validation import original_of

__all__ = ["check_values"]

# parameter name -> (test, what it must be). Names whose meaning is the same in torch, Lightning and
# the reference project; -1 is Lightning's "no limit".
RANGES = {
    "batch_size": (lambda v: v >= 1, "a whole number >= 1"),
    "max_epochs": (lambda v: v >= 1 or v == -1, "a whole number >= 1 (or -1: no limit)"),
    "min_epochs": (lambda v: v >= 0, "a whole number >= 0"),
    "max_steps": (lambda v: v >= 1 or v == -1, "a whole number >= 1 (or -1: no limit)"),
    "num_workers": (lambda v: v >= 0, "a whole number >= 0"),
    "n_layers": (lambda v: v >= 1, "a whole number >= 1"),
}
_SIMPLE = (bool, int, float, str)


def check_values(config: ResolvedConfig) -> None:
    macros = {b.macro_name: b for b in config.bindings if b.is_macro}
    for b in config.bindings:
        if b.is_macro or isinstance(b.value, (Ref, list, tuple, dict)):
            continue
        value, origin = b.value, None
        if isinstance(value, MacroRef):
            if value.name not in config.macros:
                continue
            value, origin = config.macros[value.name], macros.get(value.name)
        if isinstance(value, (Ref, MacroRef)) or any(isinstance(leaf, Ref) for leaf in walk(value)):
            continue
        expected, default = _annotation(b)
        problem = None
        if value is None and default is None:
            continue  # `x: int = None`: None is the parameter's own default
        if expected is not None and not _matches(value, expected):
            problem = f"expects {_describe(expected)}, got {value!r}"
        elif b.arg in RANGES and isinstance(value, int) and not isinstance(value, bool):
            test, what = RANGES[b.arg]
            if not test(value):
                problem = f"must be {what}, got {value!r}"
        if problem:
            short = b.selector.rsplit(".", 1)[-1]
            where, via = _where(b, origin)
            raise ConfigError(f"`{short}.{b.arg}` {problem}{via}.", where,
                              f"Give `{b.arg}` a value of the right kind (see `{b.selector}`).")


def _where(binding: Binding, origin: Binding | None) -> tuple[Where, str]:
    """The user's line: the macro's when its value came from one (often a --mods item)."""
    if origin is None or origin.where.file == "<ginpipe>":
        return binding.where, ""
    used = f" (through %{origin.macro_name}, used at {binding.where.file}, line {binding.where.line})"
    return origin.where, used


def _annotation(binding: Binding):
    target = original_of(binding.selector)
    function = target.__init__ if inspect.isclass(target) else target
    try:
        hints = typing.get_type_hints(function)
        parameter = inspect.signature(target).parameters.get(binding.arg)
    except Exception:  # unresolvable annotations or opaque signatures: nothing to check against
        return None, inspect.Parameter.empty
    default = parameter.default if parameter is not None else inspect.Parameter.empty
    return hints.get(binding.arg), default


def _matches(value, expected) -> bool:
    origin = typing.get_origin(expected)
    if expected is typing.Any or expected is object:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(expected))
    if origin is typing.Literal:
        return value in typing.get_args(expected)
    if expected is type(None):
        return value is None
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected in _SIMPLE:
        return isinstance(value, expected)
    return True  # containers, classes, callables: left to the call


def _describe(expected) -> str:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(expected))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(expected))
    if expected is type(None):
        return "None"
    return {int: "an int", float: "a number", str: "a string", bool: "True or False"}.get(
        expected, getattr(expected, "__name__", str(expected)))
