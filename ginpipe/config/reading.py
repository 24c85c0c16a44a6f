"""Configs read, registered, checked and bound to gin: the one chain `ginpipe.run` and
`bind_configs()` share.

`bind_configs()` is for programs that rebuild objects from a config without running an experiment:
a notebook, or the demo reading a model bundle (`model/config.gin`).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .binding import bind_all
from .composition import Composition, compose
from .local_tasks import local_task_packages
from .registry import Registry, read_module_list
from .resolution import ResolvedConfig, resolve
from .validation import check_parameters

__all__ = ["bind_configs", "project_registry", "resolve_and_bind"]


def project_registry(composition: Composition, module_lists: Sequence[str] = ()) -> Registry:
    """The names a config may use: its aliases and import lists, and the `tasks/` package of the
    working folder (when there is one) besides the packages it imports."""
    aliases: dict[str, str] = {}
    for module_list in module_lists:
        aliases.update(read_module_list(str(module_list)))
    listed = set(aliases) - set(composition.aliases)  # import lists' aliases (a config's own win)
    aliases.update(composition.aliases)
    packages = local_task_packages()
    return Registry(aliases=aliases, packages=packages + composition.packages, listed=listed)


def resolve_and_bind(composition: Composition, registry: Registry,
                     checks: Sequence[Callable[[ResolvedConfig], None]] = ()) -> ResolvedConfig:
    """Register what the config names, check its parameters (then `checks`), bind it to gin."""
    config = resolve(composition, registry, {})
    check_parameters(config)
    for check in checks:
        check(config)
    bind_all(config)
    return config


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
    resolve_and_bind(composition, project_registry(composition))
