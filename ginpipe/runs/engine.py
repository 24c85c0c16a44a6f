"""`execute_pipeline`: runs an ordered task list on one shared state, skipping cached tasks.

A task is a plain function `task(state) -> state` (returning None means it changed the state in
place). `execute_pipeline` is itself a task, so pipelines nest. Before a list runs, a plan says which
tasks will run and which come from the cache; a cached task whose outputs were not saved is rerun
when a later task that runs needs them.

This module executes; the plan is `task_plan`'s job and whether a stored record is still valid (and
restoring it) is `cache_reuse`'s, both mixed into `Engine`. `Decision` is imported from here as before.
"""
from __future__ import annotations

import contextlib
import contextvars
import time
from pathlib import Path
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import gin_internals
from ..config.binding import is_stand_in
from ..config.gin_internals import unwrap_exception
from ..config.resolution import ResolvedConfig
from ..config.usage_recorder import UsageRecorder
from ..errors import ConfigError, GinpipeError, RunInterrupted, TaskError
from ..experiment.run_record import RunRecord
from ..cache.declared import recording
from ..cache.shared import State
from ..cache.task_cache_folder import TaskCacheFolder
from ..cache.task_keys import CodeDigests, TaskRecord, written_version
from ..experiment.statuses import Action, TaskStatus
from ..log import logger, use_loguru
from .failures import resume_only
from .task_names import original, task_identity
from .task_plan import Decision, TaskPlanning

__all__ = ["execute_pipeline", "register_pipeline", "Engine", "Decision"]

_engine: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("ginpipe_engine", default=None)
_prefix: contextvars.ContextVar[str] = contextvars.ContextVar("ginpipe_prefix", default="")


def execute_pipeline(state, tasks=None, execution_order="sequential", cache=True,
                     output_dir=None, is_main=False):
    """Run `tasks` in order on `state` and return it (GinPipe's signature, so nesting works).

    Args:
        state: the shared state.
        tasks: task functions, e.g. `[@set_seed, @load_dataset]` in a config.
        execution_order: only 'sequential'.
        cache: False reruns these tasks even when their inputs are unchanged.
        output_dir: accepted for GinPipe configs; the experiment folder is the runner's.
        is_main: accepted for GinPipe configs; ignored.
    """
    del output_dir, is_main
    if execution_order != "sequential":
        raise ConfigError(f"execution_order={execution_order!r} is not supported: use 'sequential'.")
    engine = _engine.get() or Engine(config=None, task_cache=None, run_record=RunRecord(None))
    return engine.execute_list(list(tasks or []), state, _prefix.get(), cache=cache)


def register_pipeline() -> None:
    """Make `execute_pipeline` the gin configurable `ginpipe.execute_pipeline`, once per process.

    `ginpipe.core.execute_pipeline` (GinPipe's name) is this very object, so it resolves to the
    same configurable and shares its bindings.
    """
    gin_internals.ensure_configurable(execute_pipeline, name="execute_pipeline", module="ginpipe")


@dataclass
class Engine(TaskPlanning):
    """Executes task lists for one run: caching, persistence, timing and the run record.

    It plans with `TaskPlanning.plan` and restores cached tasks with `CacheReuse._reuse`.
    """

    config: ResolvedConfig | None
    task_cache: TaskCacheFolder | None
    run_record: RunRecord
    selectors: dict[int, str] = field(default_factory=dict)  # id(original) -> gin selector
    no_cache: bool = False
    from_task: str | None = None
    not_saved: set[str] = field(default_factory=set)
    resume_hint: str = ""
    usage: UsageRecorder | None = None
    share: bool = True  # reuse identical tasks of sibling experiments of the same project
    objects: dict[str, object] = field(default_factory=dict)  # gin selector -> plain function/class
    code: CodeDigests = field(default_factory=lambda: CodeDigests(Path.cwd()))
    live_task: Callable | None = None  # the real task for a stand-in (imports; see `Prepared.bind`)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    _forcing: bool = False
    _tokens: list = field(default_factory=list)

    def __enter__(self) -> Engine:
        """Make this engine the one `execute_pipeline` uses, for the duration of a run."""
        self._tokens.append(_engine.set(self))
        return self

    def __exit__(self, *exc) -> None:
        _engine.reset(self._tokens.pop())

    def execute_list(self, tasks: list, state: State, prefix: str = "", cache: bool = True) -> State:
        token = _engine.set(self)
        try:
            plan = self.plan(tasks, state, prefix, cache)
            for position, (task, decision) in enumerate(zip(tasks, plan)):
                if decision.action is Action.NESTED:
                    state = self._run_nested(task, decision.label, state)
                elif self._may_reuse(task, decision, cache) and self._reuse(task, decision.label, state):
                    self.cached.append(decision.label)
                else:
                    use_loguru()  # project code runs now: its loguru lines join ginpipe's console
                    if is_stand_in(original(task)):
                        assert self.live_task is not None  # set wherever stand-ins are
                        task = self.live_task(position)  # a task runs: its module is imported now
                    state = self._execute_task(task, decision.label, state)
            return state
        finally:
            _engine.reset(token)

    # -- executing -------------------------------------------------------------------------------
    def _execute_task(self, task, label: str, state: State) -> State:
        self._forcing = self._forcing or self._starts_forcing(task, label)
        identity = task_identity(task)
        # What came from the cache is on record before a task that may run for hours starts.
        if self.run_record.pending:
            self.run_record.flush()
        if self.task_cache is not None:
            self.task_cache.write_adopted()
        entry = self.run_record.start(label, identity)
        logger.info(f"▶ {label}")
        access = state.begin()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            tracking: contextlib.AbstractContextManager = (self.usage.task() if self.usage
                                                           else contextlib.nullcontext(set()))
            with tracking as used, \
                    recording() as declared:
                result = task(state)
        except BaseException as raised:
            e = unwrap_exception(raised)
            state.end()
            interrupted = isinstance(e, (KeyboardInterrupt, RunInterrupted))
            self.run_record.finish(entry, TaskStatus.INTERRUPTED if interrupted else TaskStatus.FAILED,
                                error=f"{type(e).__name__}: {e}", wall_s=round(time.perf_counter() - wall, 4))
            if isinstance(e, GinpipeError) and not isinstance(e, ConfigError):
                raise e from e.__cause__
            if interrupted:
                raise RunInterrupted(f"interrupted: task `{label}` was stopped (Ctrl-C); the tasks"
                                     " finished before it are saved.", hint=resume_only(self.resume_hint)) from None
            raise TaskError(f"Task `{label}` failed: {type(e).__name__}: {e}", hint=self.resume_hint or None) from e
        finally:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            self.code.data.forget()  # the task may have written where it or a later task reads
        state = self._adopt(result, state, label)
        access = state.end()
        used = set(used or ()) | {self._selector_of(task)} - {None}
        inputs = self._inputs(task, used, access.reads, declared)
        key = inputs.key
        written: dict[str, dict[str, Any]] = {k: {"version": written_version(key, k), "file": None, "format": None}
                                              for k in access.writes}
        for k, w in written.items():
            state.set_version(k, w["version"])
        record = TaskRecord(identity, key, sorted(used), dict(access.reads), written, sorted(access.deletes),
                            inputs=inputs.to_json(), declared=list(declared))
        if self.task_cache is not None:
            self.task_cache.save(label, record, state, self.not_saved | set(_peek_not_saved(state)))
        self.executed.append(label)
        self.run_record.finish(entry, TaskStatus.DONE, key=key, wall_s=round(wall, 4), cpu_s=round(cpu, 4),
                            reads=sorted(access.reads), writes=sorted(access.writes))
        logger.info(f"✓ {label} in {wall:.2f} s (cpu {cpu:.2f} s)")
        return state

    def _run_nested(self, task, label: str, state: State) -> State:
        token = _prefix.set(label + "/")
        try:
            result = task(state)
        finally:
            _prefix.reset(token)
        return self._adopt(result, state, label)

    @staticmethod
    def _adopt(result, state: State, label: str) -> State:
        if result is None or result is state:
            return state
        if isinstance(result, Mapping):  # a task that built a new mapping: take its items
            for key, value in result.items():
                state[key] = value
            return state
        kind = type(result).__name__
        article = "an" if kind[:1] in "aeiouAEIOU" else "a"  # "an int", "a list"
        raise TaskError(f"Task `{label}` returned {article} {kind}; a task returns the state"
                        " (or None when it changed the state in place).")

    @staticmethod
    def _is_pipeline(task) -> bool:
        return is_pipeline(task)


def _peek_not_saved(state: State) -> list[str]:
    try:
        value = state.peek("keys_not_saved")
    except KeyError:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def is_pipeline(task) -> bool:
    return original(task) is execute_pipeline

