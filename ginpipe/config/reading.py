"""Configs read, registered, checked and bound to gin: the one chain `ginpipe.run` and
`bind_configs()` share.

`bind_configs()` is for programs that rebuild objects from a config without running an experiment:
a notebook, or the demo reading a model bundle (`model/config.gin`).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .binding import bind_all, bind_stand_ins
from .text.composition import Composition, compose
from .registry.local_tasks import local_task_packages
from .registry.lookup import Lookup
from .registry.registration import Registry, read_module_list, register_objects
from .resolution import ResolvedConfig, resolve
from .checks.parameters import check_one_object_per_definition, check_parameters

__all__ = ["bind_configs", "project_registry", "resolve_and_check", "bind_objects"]


def project_registry(composition: Composition, module_lists: Sequence[str] = ()) -> Registry:
    """The names a config may use: its aliases and import lists, and the `tasks/` package of the
    working folder (when there is one) besides the packages it imports."""
    lookup = Lookup()
    aliases: dict[str, str] = {}
    for module_list in module_lists:
        aliases.update(read_module_list(str(module_list), lookup))
    listed = set(aliases) - set(composition.aliases)  # import lists' aliases (a config's own win)
    aliases.update(composition.aliases)
    packages = local_task_packages()
    return Registry(aliases=aliases, packages=packages + composition.packages, listed=listed, lookup=lookup)


def resolve_and_check(composition: Composition, registry: Registry,
                      checks: Sequence[Callable[[ResolvedConfig], None]] = ()) -> ResolvedConfig:
    """Resolve what the config names, check its parameters (then `checks`) and bind it to gin with
    stand-ins: nothing the config names is imported (see `binding`)."""
    config = resolve(composition, registry, {})
    check_parameters(config)
    for check in checks:
        check(config)
    bind_stand_ins(config, registry.paths)
    return config


def bind_objects(config: ResolvedConfig, registry: Registry) -> dict[str, object]:
    """Import and register the real objects, check them, bind the config: tasks may run now.

    Returns complete selector -> plain function or class."""
    objects = register_objects(registry)
    check_one_object_per_definition(config)
    bind_all(config)
    return objects


def bind_configs(configs: str | os.PathLike | Sequence[str | os.PathLike], mods: Sequence[str] = ()) -> None:
    """Compose `configs` and `mods`, register what they name, check the parameters and bind to gin.

    Names are registered on demand exactly as for `ginpipe.run` (dotted paths, `import x as y`
    aliases, short names of the `tasks/` package in the working directory). Bindings add to gin's
    current config: call `gin.clear_config()` first for a clean slate.

    Raises:
        ConfigError: naming the file and line at fault.

    Example:
        >>> ginpipe.bind_configs("experiments/audio/x/model/config.gin")  # doctest: +SKIP
    """
    if isinstance(configs, (str, os.PathLike)):
        configs = [configs]
    composition = compose([str(c) for c in configs], list(mods))
    registry = project_registry(composition)
    bind_objects(resolve_and_check(composition, registry), registry)
