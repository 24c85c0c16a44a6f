"""Modules found and read without importing them: where a dotted name's file is, and its syntax tree.

`find_module("tasks.models.resnet")` asks the import system's finders where the module is, as
`import` would, but runs nothing: a parent package's `__path__` is found the same way. Trees are
parsed once per file version (size and modification time), so a run reads each project file once.
"""
from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Located", "find_module", "is_project_file", "is_project_module", "parse_file", "Unsure"]


class Unsure(Exception):
    """The source alone cannot say (a decorator, a name bound at run time, ...): import to know."""


@dataclass(frozen=True)
class Located:
    name: str
    file: str | None  # None for namespace packages
    search: tuple[str, ...] | None  # a package's __path__; None for a plain module

    @property
    def package(self) -> str:
        """The package relative imports in this module start from."""
        return self.name if self.search is not None else self.name.rpartition(".")[0]


def find_module(name: str) -> Located | None:
    """Where module `name` is (None when no finder knows it), importing nothing."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        path = getattr(loaded, "__path__", None)
        return Located(name, getattr(loaded, "__file__", None), tuple(path) if path is not None else None)
    parent, _, _ = name.rpartition(".")
    path = None
    if parent:
        above = find_module(parent)
        if above is None or above.search is None:
            return None
        path = list(above.search)
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        try:
            spec = find(name, path)
        except Exception as e:  # a finder that fails to look: let the import say what is wrong
            raise Unsure(f"finding {name}: {e}") from None
        if spec is not None:
            existing = getattr(spec.loader, "module", None)  # `module_identity`: loaded under another name
            if existing is not None and getattr(existing, "__file__", None):
                path = getattr(existing, "__path__", None)
                return Located(name, existing.__file__, tuple(path) if path is not None else None)
            search = spec.submodule_search_locations
            origin = spec.origin if spec.has_location else None
            return Located(name, origin, tuple(search) if search is not None else None)
    return None


def is_project_file(file: str | None, root: Path | None = None) -> bool:
    """A file of the project's own source: under the working folder and not an installed library."""
    if not file or not file.endswith(".py"):
        return False
    real = _real(file)
    base = _real(str(root or Path.cwd())) + os.sep
    return real.startswith(base) and f"{os.sep}site-packages{os.sep}" not in real


def is_project_module(name: str, excluding: str | os.PathLike | None = None, packages: tuple[str, ...] = ()) -> bool:
    """Module `name` is the project's own source (found, importing nothing, under the working folder)
    or of one of `packages` (wherever installed: the `tasks` package a project folder may use as a
    library), and not a file inside `excluding`.

    What a file written by someone else (a model bundle) may name for the project to import: never a
    library, the standard library, a module outside the project, nor code that came with the bundle
    (pass its experiment folder as `excluding`: a namespace package `experiments.x.model.evil` would
    otherwise be importable from the working folder).
    """
    try:
        located = find_module(name)
    except Unsure:
        return False
    if located is None:
        return False
    file = located.file or (os.path.join(located.search[0], "__init__.py") if located.search else None)
    if excluding is not None and file and _real(file).startswith(_real(str(excluding)) + os.sep):
        return False
    return name.split(".")[0] in packages or is_project_file(file)


def parse_file(file: str) -> ast.Module:
    """The syntax tree of `file` (raises Unsure when it cannot be read or parsed)."""
    try:
        stat = os.stat(file)
    except OSError as e:
        raise Unsure(str(e)) from None
    return _parse(file, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse(file: str, mtime_ns: int, size: int) -> ast.Module:
    try:
        return ast.parse(Path(file).read_bytes(), filename=file)
    except (SyntaxError, ValueError, OSError) as e:
        raise Unsure(f"{file}: {e}") from None  # reported properly when the module is imported


@lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.realpath(path)
