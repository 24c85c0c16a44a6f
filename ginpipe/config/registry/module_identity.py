"""One file, one module object: a project file reachable under two names is imported once.

A GinPipe project is often installed (editable or in site-packages) as `myproj.tasks` and also run
from its source folder, where the same files are the working folder's `tasks/`. Python would import
`tasks/data.py` twice, as `tasks.data` and as `myproj.tasks.data`: two module objects, two
`DictDataset` classes, and bindings to one name silently miss the object built through the other.

`SameFileFinder`, on `sys.meta_path` during a run, answers an import whose file is already loaded
under another name with that module object. Only files under the project root are considered, so
library imports cost one dictionary lookup each. `duplicate_definitions` then checks the bound
configurables: two distinct objects defined at the same place are an error, not a silent split.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import inspect
import os
import sys
from pathlib import Path

from ...errors import ConfigError

__all__ = ["SameFileFinder", "install", "one_module_per_file", "definition_site", "copies_error",
           "importable_anywhere", "installed_name"]


@functools.cache
def _real(path) -> str:
    # Cached: each project import compares against every loaded module's file, thousands with torch,
    # and an uncached realpath (an lstat per path component) made a run's imports take minutes.
    return os.path.realpath(path)


# The import protocols are duck-typed: not subclassing importlib.abc spares every run importing it
# (and importlib.resources, which it pulls in).
class _ExistingModule:
    """Loads a name as a module object that is already imported under another name."""

    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec  # the import machinery set the second name's spec: put it back


class SameFileFinder:
    """Meta path finder placed before `PathFinder`: a project file already loaded is not loaded again."""

    def __init__(self, root: Path):
        self.root = _real(root) + os.sep

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not spec.origin:
            return spec  # what PathFinder, next on sys.meta_path, would answer anyway
        origin = _real(spec.origin)
        if not origin.startswith(self.root) or f"{os.sep}site-packages{os.sep}" in origin:
            return spec  # not the project's own file (a virtual environment inside it is not the project)
        # Only a loaded file of the same name can be this one (a file symlinked under another name is
        # not recognised): a realpath of every loaded module (an lstat per path component each) was
        # most of a small pipeline's fixed cost.
        names = {os.path.basename(spec.origin), os.path.basename(origin)}
        for loaded_name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if (loaded_name != name and file and os.path.basename(file) in names
                    and _real(file) == origin):
                loader = _ExistingModule(module)  # a loader by duck typing (see the class)
                return importlib.machinery.ModuleSpec(name, loader, origin=spec.origin,  # type: ignore[arg-type]
                                                      is_package=spec.submodule_search_locations is not None)
        return spec


def install(root: Path) -> SameFileFinder:
    """Put a `SameFileFinder` for the project at `root` just before `PathFinder`; return it."""
    finder = SameFileFinder(root)
    position = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder),
                    len(sys.meta_path))
    sys.meta_path.insert(position, finder)
    return finder


@contextlib.contextmanager
def one_module_per_file(root: Path):
    """Install a `SameFileFinder` for the project at `root` while the block runs."""
    finder = install(root)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)


@functools.lru_cache(maxsize=256)
def importable_anywhere(package: str, root: Path) -> bool:
    """`import package` finds the same files from any working folder, not only from `root` (where a
    project's `tasks/` is importable as `tasks` because the working folder is on `sys.path`).

    A different package of the same name elsewhere (an installed `tasks`) does not count.
    """
    here = _real(str(root))
    local = importlib.machinery.PathFinder.find_spec(package, [p for p in sys.path if _real(p or ".") == here])
    return local is None or _location(local) in _installed_locations(package, here)


def installed_name(folder: Path, root: Path) -> str | None:
    """The dotted name a package folder of the working folder has as part of an installed package
    (`myproj.tasks` for `tasks/` when the working folder is the installed `myproj/`), else None."""
    parts, above = [folder.name], folder.parent
    while (above / "__init__.py").is_file():
        parts.insert(0, above.name)
        above = above.parent
    if len(parts) == 1:
        return None
    found = _real(str(above / parts[0])) in _installed_locations(parts[0], _real(str(root)))
    return ".".join(parts) if found else None


def _installed_locations(package: str, here: str) -> set[str]:
    """Where `package` is found without the working folder `here`: through the other `sys.path`
    entries, or a finder of its own (setuptools' editable installs put one on `sys.meta_path`)."""
    others = [p for p in sys.path if _real(p or ".") != here]
    specs = [importlib.machinery.PathFinder.find_spec(package, others)]
    for finder in sys.meta_path:
        if finder is importlib.machinery.PathFinder or isinstance(finder, SameFileFinder):
            continue
        try:
            specs.append(getattr(finder, "find_spec", lambda *a: None)(package, None))
        except Exception:  # a finder that fails to look does not find it
            continue
    return {where for spec in specs if spec is not None and (where := _location(spec)) is not None}


def _location(spec) -> str | None:
    places = list(spec.submodule_search_locations or []) or [spec.origin]
    return _real(places[0]) if places[0] else None


def definition_site(obj) -> tuple[str, str] | None:
    """(real source file, qualified name) where a function or class is defined, if known."""
    try:
        file = inspect.getsourcefile(obj) or inspect.getfile(obj)
    except (TypeError, OSError):
        return None
    qualname = getattr(obj, "__qualname__", None)
    return (_real(file), qualname) if file and qualname else None


def copies_error(first: str, second: str, site: tuple[str, str] | None, where) -> ConfigError:
    """Two configurables that are distinct copies of one definition: the file was imported twice."""
    return ConfigError(
        f"`{first}` and `{second}` are two different objects made from one definition"
        f"{f' ({site[1]} in {site[0]})' if site else ''}: that file was imported twice, so bindings to one never"
        " reach the other.", where,
        "Import the package under one name only (its installed name, or the working"
        " folder's), e.g. drop the loader that execs the file by path.")
