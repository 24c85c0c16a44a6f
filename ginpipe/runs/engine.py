"""`execute_pipeline`: runs an ordered task list on one shared state, skipping cached tasks.

A task is a plain function `task(state) -> state` (returning None means it changed the state in
place). `execute_pipeline` is itself a task, so pipelines nest. Before a list runs, a plan says which
tasks will run and which come from the cache; a cached task whose outputs were not saved is rerun
when a later task that runs needs them.
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
from ..config.registry.module_identity import definition_site
from ..config.gin_internals import unwrap_exception
from ..config.resolution import ResolvedConfig
from ..config.usage_recorder import UsageRecorder
from ..errors import ConfigError, GinpipeError, RunInterrupted, TaskError
from ..experiment.run_record import RunRecord
from ..cache.data_paths import binding_paths
from ..cache.declared import recording
from ..cache.shared import ABSENT, State
from ..cache.task_cache_folder import TaskCacheFolder
from ..cache.task_keys import CodeDigests, KeyInputs, TaskRecord, changes, key_inputs, written_version
from ..experiment.statuses import Action, TaskStatus
from ..log import logger, use_loguru
from .failures import resume_only
from .task_names import original, task_identity, task_name

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
class Decision:
    label: str
    action: Action  # DECIDE: known only once earlier tasks ran
    reason: str = ""
    record: TaskRecord | None = None
    missing: list[str] = field(default_factory=list)
    source: TaskCacheFolder | None = None  # the state folder the record is in


@dataclass
class Engine:
    """Executes task lists for one run: caching, persistence, timing and the run record."""

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
                elif self._reuse(task, decision, state, cache):
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

    # -- planning --------------------------------------------------------------------------------
    def plan(self, tasks: list, state: State, prefix: str = "", cache: bool = True) -> list[Decision]:
        """Decide, before running, which tasks run and which come from the cache."""
        versions = {key: state.version(key) for key in state}
        known = True  # False once a task's outputs cannot be predicted
        producers: dict[str, str] = {}  # state key -> label of the task of this plan that writes it
        decisions: list[Decision] = []
        forcing = self._forcing
        caching = self.task_cache is not None and cache and not self.no_cache
        for number, task in enumerate(tasks, 1):
            label = f"{prefix}{number:02d}-{task_name(task)}"
            forcing = forcing or self._starts_forcing(task, label)
            if is_pipeline(task):
                decisions.append(Decision(label, Action.NESTED))
                known = False
                continue
            own = self.task_cache.record(label) if self.task_cache else None
            if not known:  # it runs unless a record turns out valid once earlier tasks ran: is there one?
                hopeless = (forcing or not caching or self.task_cache is None
                            or next(self.task_cache.candidates(label, self.share), None) is None)
                if hopeless:
                    reason = "forced" if forcing else "caching off" if not caching else "never ran"
                    decisions.append(Decision(label, Action.RUN, reason, own, source=self.task_cache))
                else:
                    decisions.append(Decision(label, Action.DECIDE, "after earlier tasks", own, source=self.task_cache))
                continue
            hit = None if forcing or not caching else self._find_hit(task, label, versions)
            if hit is not None:
                source, record = hit
                reason = "" if source is self.task_cache else f"from experiment {source.name}"
                decisions.append(Decision(label, Action.CACHED, reason, record, source=source))
                _apply(versions, record, {k: w["version"] for k, w in record.writes.items()})
                continue
            inputs = None if own is None else self._inputs(task, own.used,
                                                           {k: versions.get(k, ABSENT) for k in own.reads},
                                                           own.declared)
            reason = ("forced" if forcing else "caching off" if not caching
                      else self._never_ran(task, label, versions) if own is None or inputs is None
                      else _why(own, inputs, producers))
            missing = [k for k, v in (own.reads if own else {}).items() if v != ABSENT and k not in versions]
            decisions.append(Decision(label, Action.RUN, reason, own, missing, self.task_cache))
            if own is None or inputs is None:
                known = False
                continue
            _apply(versions, own, {k: written_version(inputs.key, k) for k in own.writes})
            producers.update({k: label for k in own.writes})
        self._rerun_producers_of_unsaved(decisions)
        return decisions

    def _find_hit(self, task, label: str, versions: dict[str, str]):
        """The first stored record of this task (this experiment's, then its siblings') still valid."""
        assert self.task_cache is not None  # asked only while caching
        for folder, record in self.task_cache.candidates(label, siblings=self.share):
            key = self._inputs(task, record.used, {k: versions.get(k, ABSENT) for k in record.reads},
                               record.declared).key
            if key == record.key and folder.complete(record):
                return folder, record
        return None

    def _never_ran(self, task, label: str, versions: dict[str, str]) -> str:
        """Why a task this experiment never ran is not taken from the latest sibling that ran it."""
        assert self.task_cache is not None  # asked only while caching
        for source, record in self.task_cache.candidates(label, siblings=self.share):
            found = changes(record.inputs, self._inputs(task, record.used, {k: versions.get(k, ABSENT)
                                                                             for k in record.reads},
                                                        record.declared))
            if found:
                return f"never ran; experiment {source.name}'s differs: " + "; ".join(found)
            break
        return "never ran"

    def _rerun_producers_of_unsaved(self, decisions: list[Decision]) -> None:
        """A task that runs may need a value a cached task made but did not save: rerun that task."""
        changed = True
        while changed:
            changed = False
            for i, d in enumerate(decisions):
                if d.action not in (Action.RUN, Action.DECIDE):
                    continue
                needs = set(d.record.reads) if d.record else None  # None: could read anything
                for producer in reversed(decisions[:i]):
                    if producer.action is not Action.CACHED:
                        continue
                    record, source = producer.record, producer.source
                    assert record is not None and source is not None  # a cached decision names both
                    unsaved = {k for k in record.writes if not source.restorable(record, k)}
                    wanted = unsaved if needs is None else unsaved & needs
                    if wanted:
                        producer.action, producer.reason = Action.RUN, f"{sorted(wanted)} not saved"
                        changed = True

    def _starts_forcing(self, task, label: str) -> bool:
        name = self.from_task
        return bool(name) and name in (label, task_name(task), label.rsplit("/", 1)[-1])

    # -- executing -------------------------------------------------------------------------------
    def _reuse(self, task, decision: Decision, state: State, cache: bool) -> bool:
        """Restore a task's outputs instead of running it, if a stored record is still valid now."""
        if (decision.action not in (Action.CACHED, Action.DECIDE) or self.task_cache is None or self.no_cache
                or not cache):
            return False
        if self._forcing or self._starts_forcing(task, decision.label):
            return False
        hit = self._find_hit(task, decision.label, {k: state.version(k) for k in state})
        if hit is None:
            return False
        source, record = hit
        if source is not self.task_cache:  # another experiment of the project made exactly this
            try:
                record = self.task_cache.adopt(decision.label, record, source)
            except FileNotFoundError:  # that experiment is rewriting it right now: make our own
                return False
        self.task_cache.restore(record, state, resume=self.resume_hint)
        entry = self.run_record.start(decision.label, record.task)
        origin = {} if source is self.task_cache else {"from": source.name}
        self.run_record.finish(entry, TaskStatus.CACHED, write=False, key=record.key, **origin)
        logger.info(f"↷ {decision.label}: cached" + (f" (from experiment {source.name})" if origin else ""))
        return True

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

    def _inputs(self, task, used, reads: dict[str, str], declared=()) -> KeyInputs:
        """What the task's key is made of, from the config, the source (the same before and after
        the task's module is imported) and the data its bindings name or it declared."""
        own = self._selector_of(task)
        selectors = set(used) | ({own} if own else set())
        sites = [site for s in sorted(selectors) if (site := self._site(s)) is not None]
        task_site = self._site(own) if own else None
        if task_site is None and not is_stand_in(original(task)):
            task_site = definition_site(original(task))  # a task no selector names (GinPipe's own calls)
            if task_site is not None:
                sites.append(task_site)
        code = self.code.of(sites, task_site)
        config = self.config or _EMPTY
        data = self.code.data.of([*binding_paths(config, selectors), *declared])
        return key_inputs(task_identity(task), code, selectors, config, reads, data)

    def _site(self, selector: str) -> tuple[str, str] | None:
        signature = self.config.signatures.get(selector) if self.config else None
        if signature is not None:
            return signature.site
        obj = self.objects.get(selector)
        return None if obj is None or is_stand_in(obj) else definition_site(obj)

    def _selector_of(self, task) -> str | None:
        return self.selectors.get(id(original(task)))


def _why(own: TaskRecord, inputs: KeyInputs, producers: dict[str, str]) -> str:
    """Why a task that ran before runs again: what changed in its key's inputs."""
    found = changes(own.inputs, inputs)
    for key, version in sorted(own.reads.items()):
        if inputs.reads.get(key) != version:
            found.append(f"`{key}` changed ({producers[key]} reruns)" if key in producers else f"`{key}` changed")
    return "inputs changed: " + "; ".join(found) if found else "inputs changed"


def _apply(versions: dict[str, str], record: TaskRecord, written: dict[str, str]) -> None:
    versions.update(written)
    for key in record.deletes:
        versions.pop(key, None)


def _peek_not_saved(state: State) -> list[str]:
    try:
        value = state.peek("keys_not_saved")
    except KeyError:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def is_pipeline(task) -> bool:
    return original(task) is execute_pipeline


_EMPTY = ResolvedConfig([], {})
