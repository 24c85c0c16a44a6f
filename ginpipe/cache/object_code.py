"""The code behind one object, as a digest: what a cache of that object's results must key on.

A task's key already covers the code of every configurable it used (`task_keys`). A cache that a task
keeps across experiments (features computed by an extractor, a generated dataset) is keyed by the task
itself, so it needs the same thing for the one object that computes its values: `code_digest(extractor)`
changes when the extractor's class, a helper it calls in another module, or a constant it reads
changes, and not when an unrelated function of the same file does (`code_reach`, function by function).

Code outside the project (an installed library's class) is keyed on its distribution's name and
version: its source does not change between two runs of one environment.
"""
from __future__ import annotations

import inspect
import sys
from importlib import metadata
from pathlib import Path

from .code_reach import CodeReach
from .fingerprint import digest

__all__ = ["code_digest"]


def code_digest(obj: object, root: str | Path | None = None) -> str:
    """A digest of the source `obj` (a function, a class or an instance of one) can reach.

    Args:
        obj: the object whose results are cached.
        root: the project's folder (default: the working folder, where `ginpipe` runs).

    Example:
        >>> from ginpipe.io import code_digest
        >>> key = code_digest(extractor)  # changes when LogMel's code or a helper it calls changes
    """
    target = obj if inspect.isfunction(obj) or inspect.isclass(obj) else type(obj)
    file, qualname = _definition(target)
    reach = CodeReach(Path(root) if root is not None else Path.cwd())  # new each call: files may have changed
    if file is not None and reach.is_project(file):
        return digest("project", qualname, reach.digest(file, qualname))
    module = getattr(target, "__module__", "") or ""
    return digest("library", module, qualname, _version(module))


def _definition(target) -> tuple[str | None, str]:
    """The file and qualified name of the class or function itself, past wrappers (gin's subclass of
    a configurable class keeps the user's class as its first base)."""
    for candidate in (target, *getattr(target, "__mro__", ())[1:2]):
        try:
            file = inspect.getsourcefile(candidate)
        except TypeError:  # a builtin
            file = None
        if file is not None and "gin" not in Path(file).parts:
            return file, candidate.__qualname__
    return None, getattr(target, "__qualname__", repr(target))


def _version(module: str) -> str:
    """The installed distribution's version of a module's top package ('' when none is known)."""
    top = module.split(".")[0]
    loaded = sys.modules.get(top)
    version = getattr(loaded, "__version__", None)
    if version:
        return str(version)
    for distribution in metadata.packages_distributions().get(top, []):
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return ""
