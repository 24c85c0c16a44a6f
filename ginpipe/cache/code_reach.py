"""The project code a function or class can reach, read with `ast`: what its cache key covers.

Starting from a definition (`tasks/fit.py`, `fit_model`), the parts of the project's source that can
change what it does are collected, transitively:

* its own statement, decorators, defaults and annotations included (a class: all of it, methods too);
* each module-level name it uses: a helper function, a class, a constant (`SAMPLE_RATE = 16000`, and
  what its value uses), an import statement;
* through imports, definitions in other project modules: `from .scene import render`,
  `from . import scene` then `scene.render`, `import tasks.datasets.scene as sc` then `sc.render`;
* in every module visited, the statements that bind nothing (`torch.set_num_threads(1)`) and
  conditional blocks (`if`, `try`, ...), which may change anything.

Where the source cannot say what is used, the whole module counts: `globals()`, `eval`, `exec`,
`getattr`/`vars` on a module, `import *`, a module passed around as a value, a name the analysis
cannot find. Installed libraries are left out (their versions are in environment.json).

Parts are compared as syntax trees (`ast.dump`), so a comment, a blank line or a function moved
further down changes no key; a docstring does.
"""
from __future__ import annotations

import ast
import builtins
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..config.registry.source_modules import Located, Unsure, find_module, is_project_file, parse_file
from ..config.registry.project_signatures import imported_path
from .fingerprint import digest

__all__ = ["CodeReach", "Part"]

_DYNAMIC = {"globals", "locals", "eval", "exec", "__import__", "import_module"}
_ON_MODULE = {"getattr", "setattr", "hasattr", "vars", "delattr"}  # dynamic when given a module
_BUILTINS = set(dir(builtins))
WHOLE = "<module>"


@dataclass(frozen=True, order=True)
class Part:
    """One piece of project source: a top-level statement of a file (or the whole file)."""

    file: str  # relative to the project root
    name: str  # what it binds (or WHOLE, or "<statement N>")
    text: str = field(compare=False, default="")  # its syntax tree, dumped


class CodeReach:
    """Reachable project source of definitions, for one run (files are parsed once per version)."""

    def __init__(self, root: Path):
        self.root = Path(os.path.realpath(root))
        self._modules: dict[str, _Module | None] = {}
        self._digests: dict[tuple[str, str], str] = {}
        self._located: dict[str, Located | None] = {}

    def parts(self, file: str, qualname: str) -> set[Part]:
        """Every part of the project that the definition `qualname` in `file` can reach."""
        found: set[Part] = set()
        seen: set[tuple[str, str]] = set()
        stack = [(file, qualname.split(".")[0])]
        while stack:
            current, name = stack.pop()
            if (current, name) in seen:
                continue
            seen.add((current, name))
            module = self._module(current)
            if module is None:
                continue
            if name == WHOLE or module.whole:
                found |= module.all_parts()
                for target in module.all_targets(self):
                    stack.append(target)
                continue
            found |= module.ambient_parts()
            for target in module.ambient_targets(self):
                stack.append(target)
            statements = module.binding(name)
            if statements is None:  # not defined here (a name made at run time): all of it
                stack.append((current, WHOLE))
                continue
            for index in statements:
                found.add(module.part(index))
                stack.extend(module.targets(index, self))
        return found

    def digest(self, file: str, qualname: str) -> str:
        key = (file, qualname)
        if key not in self._digests:
            parts = sorted(self.parts(file, qualname))
            self._digests[key] = digest(*[f"{p.file}:{p.name}:{p.text}" for p in parts])
        return self._digests[key]

    def statement_digest(self, file: str, qualname: str) -> str:
        """Digest of the top-level statement defining `qualname` in any file (a library's too)."""
        module = self._module(file)
        indices = module.binding(qualname.split(".")[0]) if module is not None else None
        if module is None or not indices:
            return digest(qualname)
        return digest(*[module.part(i).text for i in indices])

    def locate(self, name: str) -> Located | None:
        """Where module `name` is (None: nowhere, or the finders cannot say), asked once per run:
        the same imports are followed from many definitions, and asking the finders each time was
        most of a cached plan of the reference project."""
        if name not in self._located:
            try:
                self._located[name] = find_module(name)
            except Unsure:
                self._located[name] = None
        return self._located[name]

    def is_project(self, file: str | None) -> bool:
        return is_project_file(file, self.root)

    def _module(self, file: str) -> _Module | None:
        real = os.path.realpath(file)
        if real not in self._modules:
            try:
                tree = parse_file(real)
            except Unsure:
                self._modules[real] = None
            else:
                self._modules[real] = _Module(real, os.path.relpath(real, self.root), tree, _located(real, self.root))
        return self._modules[real]


def _located(file: str, root: Path) -> Located | None:
    """The module a project file is, named from the project root (`tasks/x/y.py` -> `tasks.x.y`)."""
    relative = Path(os.path.relpath(file, root)).with_suffix("")
    parts = list(relative.parts)
    if ".." in parts:
        return None
    package = parts[-1] == "__init__"
    if package:
        parts = parts[:-1]
    return Located(".".join(parts), file, (os.path.dirname(file),) if package else None)


class _Module:
    """One project file: which statement binds which name, and what each statement refers to."""

    def __init__(self, file: str, relative: str, tree: ast.Module, located: Located | None):
        self.file, self.relative, self.tree, self.located = file, relative, tree, located
        self.names: dict[str, list[int]] = {}
        self.ambient: list[int] = []
        self.whole = False
        self._targets: dict[int, list] = {}
        for index, statement in enumerate(tree.body):
            bound = _bound_names(statement)
            if isinstance(statement, (ast.Import, ast.ImportFrom)) and any(a.name == "*" for a in statement.names):
                self.whole = True  # anything may come from there
            if bound is None or not bound:
                if not _is_docstring(statement):
                    self.ambient.append(index)
            else:
                for name in bound:
                    self.names.setdefault(name, []).append(index)

    def binding(self, name: str) -> list[int] | None:
        return self.names.get(name)

    def part(self, index: int) -> Part:
        statement = self.tree.body[index]
        bound = _bound_names(statement)
        label = ",".join(sorted(bound)) if bound else f"<statement {index}>"
        return Part(self.relative, label, ast.dump(statement))

    def all_parts(self) -> set[Part]:
        return {Part(self.relative, WHOLE, ast.dump(self.tree))}

    def ambient_parts(self) -> set[Part]:
        return {self.part(i) for i in self.ambient}

    def ambient_targets(self, reach: CodeReach):
        for index in self.ambient:
            yield from self.targets(index, reach)

    def all_targets(self, reach: CodeReach):
        for index in range(len(self.tree.body)):
            yield from self.targets(index, reach)

    def targets(self, index: int, reach: CodeReach) -> list:
        """(file, name) pairs statement `index` refers to: names of this module, definitions elsewhere."""
        if index not in self._targets:
            self._targets[index] = list(self._find_targets(self.tree.body[index], reach))
        return self._targets[index]

    def _find_targets(self, statement, reach: CodeReach):
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
            if self.located is not None:
                yield from _through_import(imported_path(self.located, statement, ast.alias("")).rstrip("."),
                                           [], reach, 0)
            return
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            return  # what an import binds is followed where the name is used
        if self._is_dynamic(statement):
            yield self.file, WHOLE
            return
        local = _local_names(statement)
        for chain in _chains(statement):
            yield from self._follow(chain, local, reach)

    def _is_dynamic(self, statement) -> bool:
        """A statement that reads or writes names the source does not spell: the analysis gives up."""
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = function.id if isinstance(function, ast.Name) else (
                function.attr if isinstance(function, ast.Attribute) else None)
            if name in _DYNAMIC:
                return True
            if name in _ON_MODULE and node.args and self._is_module_name(node.args[0]):
                return True
        return False

    def _is_module_name(self, node) -> bool:
        if isinstance(node, ast.Attribute) and _chain(node) == ["sys", "modules"]:
            return True
        if isinstance(node, ast.Subscript):
            return self._is_module_name(node.value)
        if not isinstance(node, ast.Name):
            return False
        return any(isinstance(self.tree.body[i], (ast.Import, ast.ImportFrom)) for i in self.names.get(node.id, []))

    def _follow(self, chain: list[str], local: set[str], reach: CodeReach):
        """Where the dotted use `chain` (`scene.render`, `SAMPLE_RATE`) leads."""
        name = chain[0]
        indices = self.names.get(name)
        if indices is None:
            if name not in _BUILTINS and name not in local and not name.startswith("__"):
                yield self.file, WHOLE  # bound nowhere the analysis can see: it cannot be sure
            return
        yield self.file, name  # the statement(s) binding it: a def, a constant, an import
        for index in indices:
            statement = self.tree.body[index]
            if isinstance(statement, (ast.Import, ast.ImportFrom)) and self.located is not None:
                for alias in statement.names:
                    if (alias.asname or alias.name.split(".")[0]) == name:
                        yield from _through_import(imported_path(self.located, statement, alias), chain[1:],
                                                   reach, 0)


def _through_import(path: str, rest: list[str], reach: CodeReach, depth: int):
    """A use of `path` + `rest` (an imported name, then attributes): the project definition it reaches."""
    if depth > 20:
        return
    full = path.split(".") + rest
    for n in range(len(full), 0, -1):
        located = reach.locate(".".join(full[:n]))
        if located is None:
            continue
        if not reach.is_project(located.file):
            return  # an installed library
        remaining = full[n:]
        if not remaining:  # the module itself, used as a value: all of it
            yield located.file, WHOLE
        else:
            yield located.file, remaining[0]
        return


def _chains(node):
    """Dotted names used in `node`: `a.b.c` -> ["a", "b", "c"]; a bare use `f(x)` -> ["f"], ["x"]."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            chain = _chain(sub)
            if chain is not None and not isinstance(getattr(sub, "_parent_attr", None), ast.Attribute):
                yield chain
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if not getattr(sub, "_in_chain", False):
                yield [sub.id]


def _chain(node: ast.Attribute) -> list[str] | None:
    names = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        names.append(current.attr)
        inner = current.value
        if isinstance(inner, ast.Attribute):
            # marks inner attributes as parts of this chain (our own mark on a tree we parsed)
            inner._parent_attr = current  # type: ignore[attr-defined]
        current = inner
    if isinstance(current, ast.Name):
        current._in_chain = True  # type: ignore[attr-defined]
        return [current.id, *reversed(names)]
    return None


def _bound_names(statement) -> set[str] | None:
    """Names a top-level statement binds; None for a compound statement (it may bind anything)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in statement.names if a.name != "*"}
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        return names
    if isinstance(statement, (ast.Expr, ast.Pass)):
        return set()
    return None


def _is_docstring(statement) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _local_names(statement) -> set[str]:
    """Names bound anywhere inside a statement (parameters, assignments, loop and `with` targets ...)."""
    names = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names
