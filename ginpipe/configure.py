"""`bind_configs()`: gin files read the way `ginpipe` reads them, bound to gin, with no pipeline.

For programs that rebuild objects from a config without running an experiment: a notebook, or the
demo reading a model bundle (`model/config.gin`).
"""
from __future__ import annotations

import os
from typing import Sequence

from .binding import bind_all
from .composer import compose
from .local_tasks import local_task_packages
from .registry import Registry
from .resolution import resolve
from .validation import check_parameters

__all__ = ["bind_configs"]


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
    packages = local_task_packages()
    registry = Registry(aliases=composition.aliases, packages=packages + composition.packages)
    config = resolve(composition, registry, {})
    check_parameters(config)
    bind_all(config)
