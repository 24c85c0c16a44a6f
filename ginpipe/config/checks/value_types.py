"""Values of the wrong type or range, refused before any task runs, at the user's file and line.

Two sources say what a parameter accepts: its annotation (`n_layers: int` refuses `'ten'`), and a
short list of parameters whose meaning fixes their range wherever they appear (a batch size below 1,
0 epochs, which trains nothing and leaves an empty checkpoint). Anything else is left to the call.
"""
from __future__ import annotations

import ast

from ...errors import ConfigError, Where
from ..text.composition import Binding
from ..resolution import ResolvedConfig
from ..text.values import MacroRef, Ref, walk

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


def check_values(config: ResolvedConfig) -> None:
    macros = {b.macro_name: b for b in config.bindings if b.is_macro}
    for b in config.bindings:
        if b.is_macro or isinstance(b.value, (Ref, list, tuple, dict)):
            continue
        value, origin = b.value, None
        if isinstance(value, MacroRef):
            if value.name not in config.macros:
                continue
            name = value.name
            value, origin = config.macros[name], macros.get(name)
        if isinstance(value, (Ref, MacroRef)) or any(isinstance(leaf, Ref) for leaf in walk(value)):
            continue
        expected, none_default = _annotation(b, config)
        problem = None
        if value is None and none_default:
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


def _annotation(binding: Binding, config: ResolvedConfig):
    """(the parameter's type, parsed, or None; whether its default is None), from its signature."""
    signature = config.signatures.get(binding.selector)
    if signature is None:
        return None, False
    text = signature.annotations.get(binding.arg)
    return (None if text is None else _parse_type(text)), binding.arg in signature.none_defaults


def _parse_type(text: str):
    """A type in `signatures`' small language as a tree: ("union", [...]), ("literal", values), ("name", n)."""
    return _tree(ast.parse(text, mode="eval").body)


def _tree(node):
    if isinstance(node, ast.BinOp):
        parts: list = []
        for side in (_tree(node.left), _tree(node.right)):
            parts.extend(side[1] if side[0] == "union" else [side])
        return "union", parts
    if isinstance(node, ast.Subscript):  # Literal[...]
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return "literal", [ast.literal_eval(i) for i in items]
    if isinstance(node, ast.Constant):
        return "name", "None"
    return "name", node.id


def _matches(value, expected) -> bool:
    kind, content = expected
    if kind == "union":
        return any(_matches(value, part) for part in content)
    if kind == "literal":
        return value in content
    if content in ("Any", "object"):
        return True
    if content == "None":
        return value is None
    if content == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if content == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {"bool": bool, "str": str}[content])


def _describe(expected) -> str:
    kind, content = expected
    if kind == "union":
        return " or ".join(_describe(part) for part in content)
    if kind == "literal":
        return "one of " + ", ".join(repr(a) for a in content)
    return {"int": "an int", "float": "a number", "str": "a string", "bool": "True or False"}.get(content, content)
