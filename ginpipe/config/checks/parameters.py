"""Checks made before the first task runs: every bound parameter exists, the task list is usable.

Errors name the user's file and line and suggest close matches, so a typo costs seconds, not a
training run that dies an hour in.
"""
from __future__ import annotations

from ...errors import ConfigError, did_you_mean
from .. import gin_internals
from ..text.composition import Binding
from ..registry.module_identity import copies_error, definition_site
from .reach import reach_from
from ..resolution import ResolvedConfig
from ..text.values import MacroRef, Ref, walk

__all__ = ["check_parameters", "check_task_lists", "check_macros", "check_one_object_per_definition", "original_of"]


def original_of(selector: str):
    """The plain function or class registered under a complete gin selector."""
    return gin_internals.registered_object(selector)


def check_parameters(config: ResolvedConfig) -> None:
    """Every `selector.arg` binding names a parameter that exists."""
    for b in config.bindings:
        if b.is_macro:
            continue
        signature = config.signatures.get(b.selector)
        accepted = None if signature is None else signature.parameters
        if accepted is not None and b.arg not in accepted:
            short = b.selector.rsplit(".", 1)[-1]
            listed = ", ".join(accepted) if accepted else "none"
            raise ConfigError(
                f"`{short}` has no parameter `{b.arg}`.{did_you_mean(b.arg, accepted)}", b.where,
                f"Parameters of `{b.selector}`: {listed}.")


def check_macros(config: ResolvedConfig, pipeline: str | None = None) -> None:
    """Every `%NAME` that a task can reach names a macro the config defines (or a gin constant): gin
    would only find out when the value is first used, deep inside a task.

    gin's macros are lazy: a binding of a configurable the task list never reaches (`SomeHead` of a
    feature config shared between models, whose `%MODEL_DIM` only the model configs that use that
    head define) is never evaluated, so it is accepted, as gin and the original GinPipe accept it,
    with a warning at its line in `config.warnings`. With no `pipeline`, every binding counts as reached.
    """
    constants = gin_internals.constants()
    reach = None if pipeline is None else reach_from(config, [pipeline])
    defined = [m for m in config.macros if m not in ("EXPERIMENT_NAME", "PROJECT_NAME", "OUTPUT_DIR")]
    for b in config.bindings:
        for leaf in walk(b.value):
            if not isinstance(leaf, MacroRef) or leaf.name in config.macros or leaf.name in constants:
                continue
            if reach is None or reach.reaches(b):
                raise ConfigError(f"Macro %{leaf.name} is not defined.{did_you_mean(leaf.name, config.macros)}",
                                  b.where, f"Define it in a config (`{leaf.name} = ...`) or with"
                                  f" --mods {leaf.name}=...; defined macros: {', '.join(defined) or 'none'}.")
            if id(b) not in reach.final:
                continue  # a later binding replaced it: gin never sees this value
            config.warnings.append(
                f"Macro %{leaf.name} is not defined, but no task reaches `{_written(b)}`"
                f" ({b.where.file}, line {b.where.line}): gin evaluates a macro only when its"
                " configurable is called, so the run goes on. Define it if a task should use that binding.")


def _written(b: Binding) -> str:
    text = (b.where.text or "").split("#", 1)[0].strip()
    return text or (b.macro_name if b.is_macro else f"{b.scope + '/' if b.scope else ''}{b.selector}.{b.arg}")


def check_one_object_per_definition(config: ResolvedConfig) -> None:
    """No two configurables the config uses are distinct copies of one definition (run once the
    objects are imported and registered: it is about live objects).

    That happens when a file was imported twice under two names (a loader of the user's own that
    execs `tasks/` by path, while `myproj.tasks` is installed): bindings to one copy never reach the
    object built from the other, and the run would silently ignore them.
    """
    seen: dict[tuple[str, str], tuple[str, object]] = {}
    for b in config.bindings:
        used = [] if b.is_macro else [b.selector]
        used += [r.selector for r in walk(b.value) if isinstance(r, Ref)]
        for selector in used:
            obj = original_of(selector)
            site = definition_site(obj)
            if site is None:
                continue
            first = seen.setdefault(site, (selector, obj))
            if first[1] is not obj:
                raise copies_error(first[0], selector, site, b.where)


def check_task_lists(config: ResolvedConfig, pipeline_selector: str) -> None:
    """The top-level task list exists and is non-empty; every task list holds callables."""
    top = config.binding(pipeline_selector, "tasks")
    if top is None:
        raise ConfigError("No task list: nothing binds `execute_pipeline.tasks`.", None,
                          "Add e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset, @fit_model]`.")
    for b in config.bindings:
        if b.selector == pipeline_selector and b.arg == "tasks":
            _check_tasks(b, config.signatures)


def _check_tasks(binding: Binding, signatures) -> None:
    tasks = binding.value
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise ConfigError(f"The task list is {'empty' if tasks in ([], ()) else repr(tasks)}:"
                          " expected a non-empty list of tasks.", binding.where,
                          "Write e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset]`.")
    for number, task in enumerate(tasks, 1):
        if not isinstance(task, Ref):
            raise ConfigError(f"Task {number} of the task list is {task!r}, which is not callable.",
                              binding.where, "Tasks are referenced with `@`: `@load_dataset`.")
        target = signatures.get(task.selector)
        if target is None:
            continue
        if task.evaluate and target.kind == "class" and target.instances_callable is False:
            raise ConfigError(f"Task {number} `{task!r}` makes a `{target.name}` object, which is"
                              " not callable.", binding.where,
                              f"Reference a function, or give `{target.name}` a `__call__(self, state)`.")
        if not task.evaluate and target.is_routine and not target.takes_state:
            raise ConfigError(f"Task {number} `{task!r}` cannot take the state: a task is called as"
                              " `task(state)`.", binding.where,
                              f"Give `{task.name.rsplit('.', 1)[-1]}` a first parameter `state`, or wrap it"
                              " in a function that takes one.")
