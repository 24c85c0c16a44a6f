"""Finds what a dotted name in a config is, importing as little as possible.

In order: a module imported already is asked directly (free); the project's own files are read with
`ast` (`source_signatures`); an installed library's object is read from the `signature_cache`, and
imported (then cached) only the first time or when the cached record may be stale. When the source
cannot say for sure, the object is imported: the answer is the same as an import would give, only
sooner.
"""
from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

from ...errors import Where
from .importing import import_object, imported_module
from .module_identity import definition_site
from .library_signatures import SignatureCache
from .signature import Signature, signature_of_object
from .source_modules import Located, Unsure, find_module, is_project_file
from .project_signatures import imported_path, module_signature, read_tree, signature_from_source, top_level_binding

__all__ = ["Lookup"]

_DEPTH = 30  # re-exports followed before giving up (and importing)


class Lookup:
    """Signatures and module members for the `Registry`, from source and cache where possible."""

    def __init__(self, root: Path | None = None, cache: SignatureCache | None = None):
        self.root = root or Path.cwd()
        self.cache = cache or SignatureCache()

    # -- what the registry asks -----------------------------------------------------------------
    def object(self, path: str, where: Where | None, selector: str, must_exist: bool = True) -> Signature | None:
        """The signature of what `path` names; None (or ConfigError when `must_exist`) when absent."""
        found: Signature | tuple[Located] | _Unsure | None
        try:
            found = self._find(path, 0)
        except Unsure:
            found = _UNSURE
        if isinstance(found, _Unsure) or (found is None and must_exist):
            obj = import_object(path, where, selector, must_exist)  # says exactly what is wrong
            return None if obj is None else signature_of_object(obj)
        if isinstance(found, tuple):  # a library object: cached, or imported now and cached
            return self._library(path, *found, where, selector, must_exist)
        return found

    def is_module(self, path: str) -> bool:
        try:
            return find_module(path) is not None
        except Unsure:
            return imported_module(path) is not None

    def members(self, target: str):
        """Yield (name, dotted path, definition site) of the public functions and classes of a module."""
        if not self.is_module(target):  # a single object: usable by its own name
            sig = self.object(target, None, target, must_exist=False)
            if sig is not None and sig.name:
                yield sig.name, target, sig.site
            return
        located = find_module(target)
        assert located is not None  # is_module found it
        loaded, project = target in sys.modules, is_project_file(located.file, self.root)
        if not loaded and project:
            try:
                yield from list(self._source_members(located))
                return
            except Unsure:
                pass
        elif not loaded:
            cached = self.cache.get("members", target)
            if cached is not None:
                for name, path, site in cached:
                    yield name, path, tuple(site) if site else None
                return
        found = _live_members(target)
        if not project:
            self.cache.put("members", target, found, [located.file])
        for name, path, site in found:
            yield name, path, tuple(site) if site else None

    # -- finding --------------------------------------------------------------------------------
    def _find(self, path: str, depth: int) -> Signature | tuple[Located] | None:
        """Signature, None (absent), or (Located,) of a library object to read from the cache; raises Unsure."""
        if depth > _DEPTH:
            raise Unsure("too many re-exports")
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            module_name = ".".join(parts[:n])
            located = find_module(module_name)
            if located is None:
                continue
            rest = parts[n:]
            if not rest:
                return module_signature(module_name)
            project = is_project_file(located.file, self.root)
            if module_name in sys.modules and not project and located.file:
                return (located,)  # a library imported already: cached now, so the next run need not import it
            if module_name in sys.modules:  # imported already: asking costs nothing
                obj = sys.modules[module_name]
                for attr in rest:
                    if not hasattr(obj, attr):
                        return None
                    obj = getattr(obj, attr)
                return signature_of_object(obj)
            if project:
                return self._in_source(located, rest, depth)
            if located.file is None:  # a namespace package: only submodules, tried above
                return None
            return (located,)
        return None

    def _in_source(self, located: Located, rest: list[str], depth: int):
        binding = top_level_binding(read_tree(located), rest[0])
        if binding is None:
            return None
        if isinstance(binding, tuple):
            target = imported_path(located, *binding)
            return self._find(".".join([target, *rest[1:]]), depth + 1)
        if rest[1:]:
            raise Unsure("an attribute of a function or class")
        return signature_from_source(located, binding, self._resolve_class)

    def _resolve_class(self, located: Located, base: ast.expr):
        """(Located, ClassDef) of a project base class; None for a library's."""
        dotted = _dotted(base)
        if dotted is None:
            raise Unsure("computed base class")
        first, *rest = dotted.split(".")
        binding = top_level_binding(read_tree(located), first)
        if binding is None:
            raise Unsure(f"base class {dotted} not found")
        if isinstance(binding, ast.ClassDef):
            if rest:
                raise Unsure("nested class")
            return located, binding
        if not isinstance(binding, tuple):
            raise Unsure("base class is a function")
        return self._class_at(".".join([imported_path(located, *binding), *rest]), 0)

    def _class_at(self, path: str, depth: int):
        if depth > _DEPTH:
            raise Unsure("too many re-exports")
        parts = path.split(".")
        for n in range(len(parts) - 1, 0, -1):
            located = find_module(".".join(parts[:n]))
            if located is None:
                continue
            if not is_project_file(located.file, self.root):
                return None
            if len(parts) - n != 1:
                raise Unsure("nested class")
            binding = top_level_binding(read_tree(located), parts[-1])
            if isinstance(binding, ast.ClassDef):
                return located, binding
            if isinstance(binding, tuple):
                return self._class_at(imported_path(located, *binding), depth + 1)
            raise Unsure(f"{path} is not a class statement")
        raise Unsure(f"no module for {path}")

    def _source_members(self, located: Located):
        tree = read_tree(located)
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if statement.name == "__getattr__":
                    raise Unsure("module __getattr__")
                if not statement.name.startswith("_") and top_level_binding(tree, statement.name) is statement:
                    found = signature_from_source(located, statement, self._resolve_class)  # Unsure if decorated
                    yield statement.name, f"{located.name}.{statement.name}", found.site
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                for alias in statement.names:
                    name = alias.asname or alias.name.split(".")[0]
                    if name.startswith("_") or top_level_binding(tree, name) != (statement, alias):
                        continue
                    sig = self.object(imported_path(located, statement, alias), None, name, must_exist=False)
                    if sig is not None and sig.kind in ("class", "function"):
                        yield name, f"{located.name}.{name}", sig.site
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and _literal(statement.value):
                continue  # a constant: not a function or class
            elif not isinstance(statement, ast.Expr) or not _literal(statement.value):
                raise Unsure("names bound at run time")  # `Model = make()` may be a class

    def _library(self, path: str, located: Located, where, selector, must_exist) -> Signature | None:
        cached = self.cache.get("object", path)
        if cached is not None:
            return Signature.from_json(cached)
        obj = import_object(path, where, selector, must_exist)
        if obj is None:
            return None
        sig = signature_of_object(obj)
        self.cache.put("object", path, sig.to_json(), [located.file, sig.site[0] if sig.site else None])
        return sig


class _Unsure:
    pass


_UNSURE = _Unsure()


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    if isinstance(node, ast.Subscript):  # Generic[T], nn.Module[...]: the class itself
        return _dotted(node.value)
    return None


def _literal(node) -> bool:
    if node is None:
        return True
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _live_members(target: str) -> list:
    module = imported_module(target)
    return [(name, f"{target}.{name}", list(site) if (site := definition_site(member)) else None)
            for name, member in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(member) or inspect.isclass(member))]
