"""Signatures of the project's own functions and classes, read from their source with `ast`.

`tasks/models/resnet.py` imports torch; reading `Resnet.__init__`'s parameters from the file costs a
millisecond, importing it ten seconds. What the source cannot say for sure (a decorated function, a
name bound in an `if`, a class whose constructor comes from a library base) raises `Unsure`, and the
caller imports the object instead: this module never guesses.
"""
from __future__ import annotations

import ast
import os

from .signature import Signature, annotation_text
from .source_modules import Located, Unsure, parse_file

__all__ = ["top_level_binding", "signature_from_source", "imported_path", "module_signature",
           "is_metric_declaration", "read_tree"]

_COMPOUND: tuple[type[ast.stmt], ...] = (ast.If, ast.Try, ast.For, ast.While, ast.With, ast.AsyncFor,
                                         ast.AsyncWith, ast.Match)
if hasattr(ast, "TryStar"):
    _COMPOUND += (ast.TryStar,)


def top_level_binding(tree: ast.Module, name: str):
    """The top-level statement that binds `name` last (None when none does).

    Raises Unsure when `name` may be bound some other way: inside an `if`/`try`, by `import *`, by
    an assignment (`Model = make_model()`), or by a module `__getattr__`.
    """
    found: ast.stmt | tuple[ast.stmt, ast.alias] | None = None
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if statement.name == name:
                found = statement
            elif statement.name == "__getattr__":
                raise Unsure("module __getattr__")
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name == "*":
                    raise Unsure("import *")
                bound = alias.asname or alias.name.split(".")[0]
                if bound == name:
                    found = (statement, alias)
        elif isinstance(statement, _COMPOUND) or _assigns(statement, name):
            if any(_binds(node, name) for node in ast.walk(statement)):
                raise Unsure(f"{name} bound at run time")
    return found


def _assigns(statement, name: str) -> bool:
    return isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and any(
        isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement))


def _binds(node, name: str) -> bool:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return node.id == name
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name or a.name == "*" for a in node.names)
    return False


def imported_path(located: Located, statement, alias) -> str:
    """The dotted path an import binds: `from .resnet import Resnet` in tasks/models/__init__.py ->
    `tasks.models.resnet.Resnet`; `import a.b as c` -> `a.b`; `import a.b` -> `a`."""
    if isinstance(statement, ast.Import):
        return alias.name if alias.asname else alias.name.split(".")[0]
    base = statement.module or ""
    if statement.level:
        package = located.package.split(".") if located.package else []
        if statement.level - 1 > len(package):
            raise Unsure("relative import beyond the top package")
        package = package[:len(package) - (statement.level - 1)]
        base = ".".join([*package, base] if base else package)
    return f"{base}.{alias.name}" if base else alias.name


def module_signature(name: str) -> Signature:
    return Signature(module=name.rpartition(".")[0], name=name.rpartition(".")[2], qualname=name,
                     kind="other", type_name="module", callable=False)


def signature_from_source(located: Located, node, resolve_class) -> Signature:
    """The record of a top-level `def` or `class` of a module (`resolve_class(located, base)` finds a
    project base class's (Located, ClassDef), or None for a library's)."""
    module = located.name
    site = (os.path.realpath(located.file or ""), node.name)  # a module with source has a file
    if not only_transparent_decorators(located, node):
        raise Unsure("decorated")  # a decorator may change the signature or replace the object
    if isinstance(node, ast.ClassDef):
        init, callable_instances = _class_parts(located, node, resolve_class, depth=0)
        if init is None:
            parameters, annotations, nones = (), {}, ()
        else:
            parameters, annotations, nones = _arguments(init.args, skip_first=True)
        return Signature(module=module, name=node.name, qualname=node.name, kind="class", type_name="type",
                         parameters=parameters, annotations=annotations, none_defaults=nones,
                         instances_callable=callable_instances, site=site)
    parameters, annotations, nones = _arguments(node.args, skip_first=False)
    arguments = node.args
    takes_state = bool(arguments.posonlyargs or arguments.args or arguments.vararg)
    return Signature(module=module, name=node.name, qualname=node.name, kind="function", type_name="function",
                     parameters=parameters, annotations=annotations, none_defaults=nones,
                     takes_state=takes_state, site=site)


def _class_parts(located: Located, node: ast.ClassDef, resolve_class, depth: int):
    """(the `__init__` that makes its signature or None for `object()`'s, whether it has `__call__`)."""
    if depth > 20 or node.keywords or node.decorator_list:
        raise Unsure("metaclass, decorator or deep hierarchy")
    own = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for statement in node.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                _binds(n, special) for n in ast.walk(statement)
                for special in ("__init__", "__new__", "__call__", "__signature__")):
            raise Unsure("special method bound at run time")
    if "__new__" in own or "__signature__" in own:
        raise Unsure("__new__")
    init = own.get("__init__")
    has_call: bool | None = "__call__" in own
    if init is not None and init.decorator_list:
        raise Unsure("decorated __init__")
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id == "object":
            continue
        found = resolve_class(located, base)
        if found is None:  # a library base: its constructor or __call__ may be the one used
            if init is None:
                raise Unsure("constructor from a library base")
            return init, True if has_call else None  # None: a library base may define __call__
        base_located, base_node = found
        base_init, base_call = _class_parts(base_located, base_node, resolve_class, depth + 1)
        init = init or base_init
        has_call = True if has_call or base_call else (None if None in (has_call, base_call) else False)
    return init, has_call


def _arguments(args: ast.arguments, skip_first: bool):
    positional = [*args.posonlyargs, *args.args]
    defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    keyword = [*args.args, *args.kwonlyargs]
    if skip_first:
        if args.posonlyargs:
            positional_first = args.posonlyargs[0]
        elif args.args:
            positional_first = args.args[0]
            keyword = keyword[1:]
        else:
            raise Unsure("__init__ without self")
        defaults.pop(positional_first.arg, None)
    parameters = None if args.kwarg else tuple(a.arg for a in keyword)
    annotations = {a.arg: text for a in keyword if (text := annotation_text(a.annotation)) is not None}
    nones = tuple(name for name, d in defaults.items() if isinstance(d, ast.Constant) and d.value is None)
    return parameters, annotations, nones


def only_transparent_decorators(located: Located, node) -> bool:
    """Whether every decorator of the top-level `node` is ginpipe's `declares_metrics`: it returns the
    very function it is given (it only sets an attribute), so the source's signature is the object's."""
    tree = read_tree(located)
    return all(is_metric_declaration(tree, decorator) for decorator in node.decorator_list)


def is_metric_declaration(tree: ast.Module, decorator: ast.expr) -> bool:
    """Whether `decorator` (in the module `tree`) is `ginpipe.io.declares_metrics`, called or not, by
    the name an import of this module gives it; a function of the same name defined elsewhere is not."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Name):
        origin = _imported_name(tree, target.id)
    elif isinstance(target, ast.Attribute):
        base = _imported_dotted(tree, target.value)
        origin = f"{base}.{target.attr}" if base else None
    else:
        return False
    return origin in ("ginpipe.io.declares_metrics", "ginpipe.declares_metrics")


def _imported_dotted(tree: ast.Module, node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return _imported_name(tree, node.id)
    if isinstance(node, ast.Attribute):
        base = _imported_dotted(tree, node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _imported_name(tree: ast.Module, name: str) -> str | None:
    """The dotted path a top-level import binds to `name` (None: not bound by an absolute import)."""
    try:
        binding = top_level_binding(tree, name)
    except Unsure:
        return None
    if not isinstance(binding, tuple):
        return None
    statement, alias = binding
    if isinstance(statement, ast.ImportFrom):
        return None if statement.level or not statement.module else f"{statement.module}.{alias.name}"
    return alias.name if alias.asname else alias.name.split(".")[0]


def read_tree(located: Located) -> ast.Module:
    if not located.file:
        raise Unsure("no source file")
    return parse_file(located.file)
