"""`prepare()`: a run's configs composed, resolved, validated and bound to gin, ready to plan.

Preparing imports nothing the config names: the checks read signatures from the source and from a
cache of installed libraries', and gin holds stand-ins (see `ginpipe.config.binding`). So a typo, a
`--dry-run` and a rerun whose tasks all come from the cache answer without importing torch.
`Prepared.bind()` imports and registers the real objects, when a task is about to run.

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
from ..config.text.composition import Binding, Composition, compose
from ..config.binding import forget_stand_ins
from ..config.reading import bind_objects, project_registry, resolve_and_check
from ..config.registry.registration import Registry, forget_registered
from ..config.resolution import ResolvedConfig
from ..config.registry.local_tasks import local_tasks_importable
from ..config.checks.mods_used import check_mod_macros
from ..config.registry.module_identity import one_module_per_file
from ..config.checks.value_types import check_values
from ..config.checks.parameters import check_macros, check_task_lists
from ..config.text.values import Ref, walk
from ..errors import Where
from ..experiment.naming import Naming, choose_naming
from ..log import use_loguru
from .engine import register_pipeline
from .options import RunOptions

__all__ = ["Prepared", "prepare", "run_scope", "PIPELINE"]

PIPELINE = "execute_pipeline"


@dataclass
class Prepared:
    """A composed, validated and bound configuration, ready to plan (and, once bound, to run)."""

    options: RunOptions
    config: ResolvedConfig
    naming: Naming
    initial: dict  # the `$key = value` lines: the initial state
    config_text: str  # the composed config, as gin prints it (config.gin)
    tasks: list  # the top-level task list, as gin calls it (stand-ins until `bind()`)
    selectors: dict[int, str]  # id(plain function or class, or its stand-in) -> its gin selector
    objects: dict[str, object]  # gin selector -> plain function or class (or its stand-in)
    registry: Registry | None = None
    pipeline: str = "ginpipe.execute_pipeline"  # the complete selector of the top-level pipeline
    bound: bool = False  # the real objects are imported and registered

    def bind(self) -> Prepared:
        """Import and register the real objects and bind the config to them; a no-op when bound."""
        if not self.bound:
            use_loguru()  # the project's modules are imported now, and may log as they are
            assert self.registry is not None  # prepared, not yet bound: it has its registry
            objects = bind_objects(self.config, self.registry)
            self.tasks = _top_tasks()
            self._index(objects)
            self.bound = True
        return self

    def live_task(self, position: int):
        """The real task at `position` of the top-level list (binding first): only the top-level
        list can hold stand-ins when tasks start, since a nested pipeline makes `bind()` come first."""
        return self.bind().tasks[position]

    def needs_import(self) -> bool:
        """Whether calling the pipeline would call a stand-in (`@Task()` is built before the list runs)."""
        return any(isinstance(leaf, Ref) and leaf.evaluate for b in self.config.bindings
                   if not b.is_macro and b.selector == self.pipeline and not b.scope for leaf in walk(b.value))

    def _index(self, objects: dict[str, object]) -> None:
        registered = gin_internals.registered_objects()
        self.objects = {**registered, **objects}
        self.selectors = {id(o): s for s, o in registered.items()}
        self.selectors.update({id(o): s for s, o in objects.items()})


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
    pipeline = registry.resolve(PIPELINE, Where("<ginpipe>", 0))
    config = resolve_and_check(composition, registry, checks=(
        lambda c: check_macros(c, pipeline), lambda c: check_mod_macros(composition), check_values,
        lambda c: check_task_lists(c, pipeline)))
    prepared = Prepared(options, config, naming, {key: value for key, value, _ in composition.initial_state},
                        gin.config_str(), _top_tasks(), {}, {}, registry, pipeline)
    prepared._index({})
    return prepared


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
        forget_stand_ins()
        forget_registered()  # the next run in this process starts as a fresh process would
        if added and cwd in sys.path:
            sys.path.remove(cwd)
