"""The original GinPipe's `ginpipe.core` surface, on ginpipe's own registry and runner.

Project code written for GinPipe imports these at top level: hub and inference loaders call
`gin_configure_externals` with the import list saved in an experiment, then `gin.parse_config` on
its `config.gin`; scripts call `setup_gin` then `execute_pipeline`. Same names, same arguments, same
results, minus GinPipe's side effects: no `pip list` subprocess, no stdin prompt, no logging setup.

Example:
    >>> from ginpipe.core import gin_configure_externals  # doctest: +SKIP
    >>> gin_configure_externals({"module_list_str": "tasks.models: models"})  # doctest: +SKIP
    >>> gin.parse_config_file("experiments/p/x/config.gin")  # doctest: +SKIP
"""
from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import gin

from .config import gin_internals
from .config.text.import_lists import parse_module_list, read_module_list
from .config.registry.importing import import_object, imported_module
from .config.registry.module_identity import SameFileFinder, install
from .errors import ConfigError
from .files import atomic_write, write_text
from .runs.engine import execute_pipeline, register_pipeline
from .cache import pickling
from .cache.shared import State as _RunState

__all__ = ["gin_configure_externals", "setup_gin", "execute_pipeline", "State", "save_state"]


class State(_RunState):
    """GinPipe's `State`: a mapping with attribute access; also what an original `state.pkl` holds.

    GinPipe's State was a dict subclass, so its pickles create the object without `__init__`, set
    the items one by one, then call `__setstate__` with an empty attribute dict: all three work here.
    It is ginpipe's own run state, so it can be handed to `execute_pipeline` as it is.
    """

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        _RunState.__init__(self)  # unpickling skips __init__ but sets items next
        return self

    def __init__(self, *args, **kwargs):  # like dict(): State(a=1), State({"a": 1})
        super().__init__(dict(*args, **kwargs))

    def __reduce_ex__(self, protocol):
        import copyreg
        # copyreg.__newobj__ is what object.__reduce_ex__ names too; typeshed leaves it out
        return copyreg.__newobj__, (type(self),), {}, None, iter([(k, self[k]) for k in self])  # type: ignore[attr-defined]

    def __setstate__(self, attributes):
        for key, value in (attributes or {}).items():  # GinPipe's pickles pass {}; ours the items
            self[key] = value

    def save(self, output_path) -> None:
        """Write the state (but `keys_not_saved`) to `output_path` at once, as GinPipe's `state.pkl`."""
        skipped = set(self.get("keys_not_saved", []) if "keys_not_saved" in self else [])
        values = {key: self[key] for key in self if key not in skipped}
        atomic_write(output_path, lambda f: pickling.dump(values, f))


def gin_configure_externals(flags: dict) -> dict:
    """Register every function and class of each import-list module with gin, under its alias.

    `flags` holds `module_list_str` (import-list text: `module: alias` lines) or `module_list`
    (paths of import-list files; their text is then stored back as `flags['module_list_str']`, as
    GinPipe did, so that it can be saved with the experiment). A line naming one object
    (`pkg.mod.func: alias`) registers it as `alias.func`. Returns `{module: __version__}` for the
    listed modules that have one. Calling it twice registers nothing twice.
    """
    root = Path.cwd()
    _ensure_project_importable(root)
    if "module_list_str" in flags:
        text, source = flags["module_list_str"], "module_list_str"
        aliases = parse_module_list(text, source)
    else:
        aliases = {}
        for path in flags.get("module_list") or []:
            aliases.update(read_module_list(str(path)))
        flags["module_list_str"] = "".join(f"{target}: {alias}\n" for alias, target in aliases.items())
    versions = {}
    for alias, target in aliases.items():
        module = imported_module(target)
        if module is None:  # one object: registered under the alias as its module
            _register(import_object(target, None, target), alias)
            continue
        if getattr(module, "__version__", None) is not None:
            versions[target] = module.__version__
        for _, member in inspect.getmembers(module, lambda m: inspect.isfunction(m) or inspect.isclass(m)):
            _register(member, alias)
    return versions


def setup_gin(flags: dict, save_config: bool = True) -> State:
    """Compose `flags['config_path']` with `flags['mods']`, bind them to gin and return the first state.

    Like GinPipe's: the state holds `flags`, `library_versions`, `output_dir`, the `$key` entries,
    `config_str` and `operative_config`; `config.gin` is written to the output folder (the config
    ginpipe composed, as gin prints it). Reads ginpipe's syntax with ginpipe's checks: errors name
    the file and line.
    """
    from .runs.options import RunOptions
    from .runs.prepare import prepare

    root = Path.cwd()
    _ensure_project_importable(root)
    state = State()
    state.flags = flags
    state.library_versions = gin_configure_externals(flags) if _has_module_list(flags) else {}
    prepared = prepare(RunOptions(tuple(flags.get("config_path") or ()), tuple(flags.get("mods") or ()),
                                  tuple(flags.get("module_list") or ()), flags.get("experiment_name"),
                                  flags.get("project_name"))).bind()
    state.output_dir = str(prepared.naming.output_dir)
    for key, value in prepared.initial.items():
        state[key] = value
    state.config_str = prepared.config_text
    state.operative_config = gin.operative_config_str()
    if save_config:
        write_text(Path(state.output_dir) / "config.gin", state.config_str)
    return state


def save_state(state) -> None:
    """Write `state` to `<state.output_dir>/state.pkl`, as GinPipe did after each task."""
    state["operative_config"] = gin.operative_config_str()
    values = state if isinstance(state, State) else State(dict(state.items()))
    values.save(Path(state["output_dir"], "state.pkl"))


def _register(obj, module: str) -> None:
    name = getattr(obj, "__name__", None)
    if not name:
        raise ConfigError(f"`{obj!r}` has no __name__: gin cannot register it under `{module}`.")
    existing = gin_internals.registered_object(f"{module}.{name}")
    if existing is obj:
        return  # already registered by an earlier call: one object, one configurable
    try:
        gin.external_configurable(obj, name=name, module=module)
    except Exception as e:  # gin refuses some objects (builtins, pybind enums)
        if existing is None:  # GinPipe skipped nothing either, but a clear message beats its crash
            raise ConfigError(f"gin cannot configure `{module}.{name}`: {e}") from None


def _has_module_list(flags: dict) -> bool:
    return bool(flags.get("module_list_str") or flags.get("module_list"))


def _ensure_project_importable(root: Path) -> None:
    """GinPipe imported a module list's local folders (`tasks/`) from the working directory."""
    if str(root) not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(str(root))
    if not any(isinstance(f, SameFileFinder) for f in sys.meta_path):
        install(root)  # for the rest of the process: the loader's later imports count too


register_pipeline()  # GinPipe's core made `execute_pipeline` configurable on import; saved configs name it
