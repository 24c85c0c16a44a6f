"""`TaskPlanning` and `Decision`: which tasks of a list will run and which come from the cache.

Planning only reads (records, versions, keys) and never runs a task, so that `--dry-run`, a sweep's
gate and a fully cached rerun can ask for a plan without importing the project; executing the plan
is `engine`'s job. Kept apart from it because the plan's rules (`--from-task` forcing, a cached task
whose unsaved outputs a later task needs, the reason a task reruns) are read and changed on their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..cache.shared import ABSENT, State
from ..cache.task_cache_folder import TaskCacheFolder
from ..cache.task_keys import KeyInputs, TaskRecord, changes, written_version
from ..experiment.statuses import Action
from .cache_reuse import CacheReuse
from .task_names import task_name

__all__ = ["Decision", "TaskPlanning"]


@dataclass
class Decision:
    label: str
    action: Action  # DECIDE: known only once earlier tasks ran
    reason: str = ""
    record: TaskRecord | None = None
    missing: list[str] = field(default_factory=list)
    source: TaskCacheFolder | None = None  # the state folder the record is in


class TaskPlanning(CacheReuse):
    """The planning side of an `Engine` (a mixin: the engine's dataclass holds these attributes)."""

    no_cache: bool
    from_task: str | None
    _forcing: bool  # a task at or after `from_task` was reached: the rest runs

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
            if self._is_pipeline(task):
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

    def _may_reuse(self, task, decision: Decision, cache: bool) -> bool:
        """Whether the plan lets this task come from the cache once the tasks before it ran."""
        if (decision.action not in (Action.CACHED, Action.DECIDE) or self.task_cache is None or self.no_cache
                or not cache):
            return False
        return not (self._forcing or self._starts_forcing(task, decision.label))

    def _is_pipeline(self, task) -> bool:
        """A nested task list: the engine says which (it owns `execute_pipeline`)."""
        raise NotImplementedError

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
