"""What the config checks need to know about a configurable, as a plain record.

A `Signature` says which keyword parameters a function or class accepts, the simple types its
annotations name, and whether it can be a task. It is built either from the live object (after an
import) or from the source, read with `ast`, without importing anything (`source_signatures`), and
it can be written to and read from JSON (`signature_cache`). The checks in `validation` and
`value_checks` read only this record, so the same check gives the same answer whichever way the
record was made.

Annotations are kept as a small type language, the part of Python's that a config value can be
checked against: `int`, `float`, `str`, `bool`, `None`, `Any`, `object`, unions, `Optional[...]`
and `Literal[...]`. Anything else is "not checked" (None), as it always was.
"""
from __future__ import annotations

import ast
import inspect
import types
import typing
from dataclasses import asdict, dataclass, field

from .module_identity import definition_site

__all__ = ["Signature", "signature_of_object", "type_text", "annotation_text"]

_NAMES = {"int", "float", "str", "bool", "Any", "object"}


@dataclass(frozen=True)
class Signature:
    """A function or class as the checks see it."""

    module: str  # its __module__: gin's default module for the selector
    name: str  # its __name__
    qualname: str
    kind: str  # "class", "function" (a Python function), "routine" (a builtin, a method) or "other"
    type_name: str = ""  # type(obj).__name__, for "is a float, not a function or class"
    callable: bool = True
    parameters: tuple[str, ...] | None = None  # keyword parameters; None: any (**kwargs) or opaque
    annotations: dict[str, str] = field(default_factory=dict)  # parameter -> type text (see module doc)
    none_defaults: tuple[str, ...] = ()  # parameters whose default is None
    takes_state: bool = True  # a routine that can be called as `task(state)`
    instances_callable: bool | None = False  # a class with `__call__` (None: a library base may have one)
    site: tuple[str, str] | None = None  # (real source file, qualname): see `module_identity`

    @property
    def is_routine(self) -> bool:
        return self.kind in ("function", "routine")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Signature:
        data = dict(data)
        for key in ("parameters", "none_defaults", "site"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        return cls(**data)


def signature_of_object(obj) -> Signature:
    """The record of a live object (imported already)."""
    kind = ("class" if inspect.isclass(obj) else "function" if inspect.isfunction(obj)
            else "routine" if inspect.isroutine(obj) else "other")
    annotations, none_defaults = _annotations(obj)
    site = definition_site(obj) if kind != "other" else None
    return Signature(
        module=getattr(obj, "__module__", None) or "", name=getattr(obj, "__name__", "") or "",
        qualname=getattr(obj, "__qualname__", "") or "", kind=kind, type_name=type(obj).__name__,
        callable=inspect.isclass(obj) or callable(obj), parameters=_parameters(obj),
        annotations=annotations, none_defaults=none_defaults,
        takes_state=_takes_state(obj) if kind in ("function", "routine") else True,
        instances_callable=kind == "class" and any("__call__" in vars(c) for c in obj.__mro__),
        site=(site[0], site[1]) if site else None)


def _parameters(obj) -> tuple[str, ...] | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return tuple(name for name, p in signature.parameters.items()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _annotations(obj) -> tuple[dict[str, str], tuple[str, ...]]:
    function = obj.__init__ if inspect.isclass(obj) else obj
    try:
        hints = typing.get_type_hints(function)
        parameters = inspect.signature(obj).parameters
    except Exception:  # unresolvable annotations or opaque signatures: nothing to check against
        return {}, ()
    texts = {name: text for name, hint in hints.items() if name in parameters
             and (text := type_text(hint)) is not None}
    return texts, tuple(n for n, p in parameters.items() if p.default is None)


def _takes_state(function) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True  # opaque (some builtins): let the call decide
    try:
        signature.bind_partial(object())
    except TypeError:
        return False
    return True


def type_text(hint) -> str | None:
    """`hint` in the small type language, or None when a value cannot be checked against it."""
    if hint is None or hint is type(None):
        return "None"
    if hint is typing.Any:
        return "Any"
    if hint in (int, float, str, bool, object):
        return hint.__name__
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [type_text(a) for a in typing.get_args(hint)]
        known = [part for part in parts if part is not None]
        return None if len(known) < len(parts) else " | ".join(known)  # an unknown member accepts anything
    if origin is typing.Literal:
        args = typing.get_args(hint)
        if all(isinstance(a, (int, float, str, bool, type(None))) for a in args):
            return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    return None


def annotation_text(node: ast.expr | None) -> str | None:
    """An annotation read from source, in the small type language (None: not checked)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    name = _plain_name(node)
    if name in _NAMES:
        return name
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = annotation_text(node.left), annotation_text(node.right)
        return None if left is None or right is None else f"{left} | {right}"
    if isinstance(node, ast.Subscript):
        outer = _plain_name(node.value)
        items = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Optional" and len(items) == 1:
            inner = annotation_text(items[0])
            return None if inner is None else f"{inner} | None"
        if outer == "Union":
            parts = [annotation_text(i) for i in items]
            known = [part for part in parts if part is not None]
            return None if len(known) < len(parts) else " | ".join(known)
        constants = [i for i in items if isinstance(i, ast.Constant)]
        if outer == "Literal" and len(constants) == len(items):
            return "Literal[" + ", ".join(repr(i.value) for i in constants) + "]"
    return None


def _plain_name(node) -> str | None:
    """`int`, `typing.Optional`, `t.Any` -> the last name; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr
    return None
