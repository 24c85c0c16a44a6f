"""Imports what a dotted path names, with errors a user can act on (the config's file and line).

`import_object("torch.optim.AdamW", where, selector)` imports the longest importable module prefix
and follows attributes; a missing module, a failing import or a missing attribute is a ConfigError
that says which and what to do.
"""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from ...errors import ConfigError, Where, did_you_mean

__all__ = ["import_object", "imported_module", "missing_module_hint"]


def import_object(path: str, where: Where | None, selector: str, must_exist: bool = True):
    """Import the module part of `path` and return the object it names (None if absent)."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        module_name = ".".join(parts[:n])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
                continue  # that module does not exist: try a shorter prefix
            raise ConfigError(f"Importing `{module_name}` for `{selector}` failed: {e}.", where,
                              missing_module_hint(e.name)) from None
        except Exception as e:
            raise ConfigError(f"Importing `{module_name}` for `{selector}` failed:"
                              f" {type(e).__name__}: {e}", where) from None
        for attr in parts[n:]:
            if not hasattr(obj, attr):
                if not must_exist:
                    return None
                raise ConfigError(f"`{module_name}` has no `{'.'.join(parts[n:])}` (for `{selector}`).",
                                  where, did_you_mean(attr, dir(obj)).strip() or None)
            obj = getattr(obj, attr)
        return obj
    if must_exist:
        raise ConfigError(f"Cannot import `{path}` (for `{selector}`): no such module.", where,
                          f"Check the name, or install the package that provides `{path.split('.')[0]}`.")
    return None


def imported_module(path: str) -> ModuleType | None:
    """Import `path` if it names a module (a local package folder included); None otherwise."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as e:
        if e.name and (path == e.name or path.startswith(e.name + ".")):
            return None
        raise ConfigError(f"Importing `{path}` failed: {e}.", None, missing_module_hint(e.name)) from None


def missing_module_hint(name: str | None) -> str:
    """What to do about a module that cannot be found: install its distribution, or fix the name.

    `uv add ginpipe.core` is never the answer: a missing submodule of an installed package is a
    wrong name (or an old version of that package), not a package to install.
    """
    top = (name or "").split(".")[0]
    if name and top != name and importlib.util.find_spec(top) is not None:
        parent, _, child = name.rpartition(".")
        return (f"`{top}` is installed but `{parent}` has no module `{child}`: check the name, or"
                f" whether your version of `{top}` provides it.")
    return f"Install the missing package (`uv add {top}`), or check the name."
