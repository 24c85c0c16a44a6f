"""`prepare()`: a run's configs composed, registered, validated and bound to gin, ready to run.

`run_scope()` is the frame around it: the project folder is importable and gin's global config is
clean before and after. The `Prepared` snapshot keeps what executing, planning and the sweep's start
gate need once gin's config is cleared again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import gin

from ..config import gin_internals
from ..config.composition import Binding, Composition, compose
from ..config.reading import project_registry, resolve_and_bind
from ..config.resolution import ResolvedConfig
from ..config.local_tasks import local_tasks_importable
from ..config.mod_usage import check_mod_macros
from ..config.module_identity import one_module_per_file
from ..config.value_checks import check_values
from ..config.validation import check_macros, check_one_object_per_definition, check_task_lists
from ..errors import Where
from ..experiment.naming import Naming, choose_naming
from .engine import register_pipeline
from .options import RunOptions

__all__ = ["Prepared", "prepare", "run_scope", "PIPELINE"]

PIPELINE = "execute_pipeline"


@dataclass(frozen=True)
class Prepared:
    """A composed, validated and bound configuration, ready to run (or to print, for --dry-run)."""

    options: RunOptions
    config: ResolvedConfig
    naming: Naming
    initial: dict  # the `$key = value` lines: the initial state
    config_text: str  # the composed config, as gin prints it (config.gin)
    tasks: list  # the top-level task list, as gin calls it
    selectors: dict[int, str]  # id(plain function or class) -> its gin selector
    objects: dict[str, object]  # gin selector -> plain function or class


def prepare(options: RunOptions, composition: Composition | None = None) -> Prepared:
    """Compose (unless `composition` is given), register, validate and bind to gin.

    Raises ConfigError with the user's file:line.
    """
    if composition is None:
        composition = compose(list(options.configs), list(options.mods))
    composition = dataclasses.replace(composition, bindings=list(composition.bindings))  # ours to extend
    registry = project_registry(composition, options.module_lists)
    register_pipeline()
    naming = choose_naming(composition, options.experiment_name, options.project_name, options.output_dir)
    for name, value in naming.macros().items():
        composition.bindings.append(Binding("", name, "", value, Where("<ginpipe>", 0)))
    config = resolve_and_bind(composition, registry, checks=(
        check_macros, check_one_object_per_definition, lambda c: check_mod_macros(composition), check_values,
        lambda c: check_task_lists(c, registry.resolve(PIPELINE, Where("<ginpipe>", 0)))))
    objects = gin_internals.registered_objects()
    return Prepared(options, config, naming, {key: value for key, value, _ in composition.initial_state},
                    gin.config_str(), _top_tasks(), {id(o): s for s, o in objects.items()}, objects)


def _top_tasks() -> list:
    references = gin.query_parameter(f"{PIPELINE}.tasks")
    return [r.scoped_configurable_fn if not r.evaluate else r.configurable.wrapped for r in references]


@contextlib.contextmanager
def run_scope():
    """The project folder is importable during a run; gin's config is clean before and after it."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    gin.clear_config()
    try:
        with one_module_per_file(Path(cwd)), local_tasks_importable():
            yield
    finally:
        gin.clear_config()
        if added and cwd in sys.path:
            sys.path.remove(cwd)
