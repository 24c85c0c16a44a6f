"""Checks made before the first task runs: every bound parameter exists, the task list is usable.

Errors name the user's file and line and suggest close matches, so a typo costs seconds, not a
training run that dies an hour in.
"""
from __future__ import annotations

import inspect

import gin

from .composer import Binding, MacroRef, Ref, walk
from .errors import ConfigError, did_you_mean
from .module_identity import definition_site
from .resolution import ResolvedConfig

__all__ = ["check_parameters", "check_task_lists", "check_macros", "check_one_object_per_definition", "original_of"]


def original_of(selector: str):
    """The plain function or class registered under a complete gin selector."""
    return gin.config._REGISTRY[selector].wrapped  # noqa: SLF001 - gin has no public accessor


def parameters_of(obj) -> list[str] | None:
    """Names `obj` accepts as keyword arguments, or None when it accepts any (**kwargs) or is opaque."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return [name for name, p in signature.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def check_parameters(config: ResolvedConfig) -> None:
    """Every `selector.arg` binding names a parameter that exists."""
    for b in config.bindings:
        if b.is_macro:
            continue
        accepted = parameters_of(original_of(b.selector))
        if accepted is not None and b.arg not in accepted:
            short = b.selector.rsplit(".", 1)[-1]
            listed = ", ".join(accepted) if accepted else "none"
            raise ConfigError(
                f"`{short}` has no parameter `{b.arg}`.{did_you_mean(b.arg, accepted)}", b.where,
                f"Parameters of `{b.selector}`: {listed}.")


def check_macros(config: ResolvedConfig) -> None:
    """Every `%NAME` names a macro the config defines (or a gin constant): gin would only find out
    when the value is first used, deep inside a task."""
    constants = gin.config._CONSTANTS  # noqa: SLF001 - gin has no public accessor
    for b in config.bindings:
        for leaf in walk(b.value):
            if isinstance(leaf, MacroRef) and leaf.name not in config.macros and leaf.name not in constants:
                defined = [m for m in config.macros if m not in ("EXPERIMENT_NAME", "PROJECT_NAME", "OUTPUT_DIR")]
                raise ConfigError(f"Macro %{leaf.name} is not defined.{did_you_mean(leaf.name, config.macros)}",
                                  b.where, f"Define it in a config (`{leaf.name} = ...`) or with"
                                  f" --mods {leaf.name}=...; defined macros: {', '.join(defined) or 'none'}.")


def check_one_object_per_definition(config: ResolvedConfig) -> None:
    """No two configurables the config uses are distinct copies of one definition.

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
                raise ConfigError(
                    f"`{first[0]}` and `{selector}` are two different objects made from one definition"
                    f" ({site[1]} in {site[0]}): that file was imported twice, so bindings to one never"
                    " reach the other.", b.where,
                    "Import the package under one name only (its installed name, or the working"
                    " folder's), e.g. drop the loader that execs the file by path.")


def check_task_lists(config: ResolvedConfig, pipeline_selector: str) -> None:
    """The top-level task list exists and is non-empty; every task list holds callables."""
    top = config.binding(pipeline_selector, "tasks")
    if top is None:
        raise ConfigError("No task list: nothing binds `execute_pipeline.tasks`.", None,
                          "Add e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset, @fit_model]`.")
    for b in config.bindings:
        if b.selector == pipeline_selector and b.arg == "tasks":
            _check_tasks(b)


def _check_tasks(binding: Binding) -> None:
    tasks = binding.value
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise ConfigError(f"The task list is {'empty' if tasks in ([], ()) else repr(tasks)}:"
                          " expected a non-empty list of tasks.", binding.where,
                          "Write e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset]`.")
    for number, task in enumerate(tasks, 1):
        if not isinstance(task, Ref):
            raise ConfigError(f"Task {number} of the task list is {task!r}, which is not callable.",
                              binding.where, "Tasks are referenced with `@`: `@load_dataset`.")
        target = original_of(task.selector)
        if task.evaluate and inspect.isclass(target) and not any("__call__" in vars(c) for c in target.__mro__):
            raise ConfigError(f"Task {number} `{task!r}` makes a `{target.__name__}` object, which is"
                              " not callable.", binding.where,
                              f"Reference a function, or give `{target.__name__}` a `__call__(self, state)`.")
        if not task.evaluate and inspect.isroutine(target) and not _takes_state(target):
            raise ConfigError(f"Task {number} `{task!r}` cannot take the state: a task is called as"
                              " `task(state)`.", binding.where,
                              f"Give `{task.name.rsplit('.', 1)[-1]}` a first parameter `state`, or wrap it"
                              " in a function that takes one.")


def _takes_state(function) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return True  # opaque (some builtins): let the call decide
    try:
        signature.bind_partial(object())
    except TypeError:
        return False
    return True
