"""`CacheReuse`: whether a task's stored record is still valid, and restoring its outputs if so.

A record is valid when the key of what the task would read now (its code reach, bindings, inputs
read, data) equals the stored one. The planner asks this before a task list runs and the engine
again just before each task (an earlier task may have changed its inputs), so the key inputs and
the lookup live here, apart from both: one definition of "still valid" for the plan and the run.
"""
from __future__ import annotations

from ..cache.data_paths import binding_paths
from ..cache.shared import ABSENT, State
from ..cache.task_cache_folder import TaskCacheFolder
from ..cache.task_keys import CodeDigests, KeyInputs, key_inputs
from ..config.binding import is_stand_in
from ..config.registry.module_identity import definition_site
from ..config.resolution import ResolvedConfig
from ..experiment.run_record import RunRecord
from ..experiment.statuses import TaskStatus
from ..log import logger
from .task_names import original, task_identity

__all__ = ["CacheReuse"]


class CacheReuse:
    """The cache side of an `Engine` (a mixin: the engine's dataclass holds these attributes)."""

    config: ResolvedConfig | None
    task_cache: TaskCacheFolder | None
    run_record: RunRecord
    selectors: dict[int, str]  # id(original) -> gin selector
    objects: dict[str, object]  # gin selector -> plain function/class
    code: CodeDigests
    share: bool  # reuse identical tasks of sibling experiments of the same project
    resume_hint: str

    def _find_hit(self, task, label: str, versions: dict[str, str]):
        """The first stored record of this task (this experiment's, then its siblings') still valid."""
        assert self.task_cache is not None  # asked only while caching
        for folder, record in self.task_cache.candidates(label, siblings=self.share):
            key = self._inputs(task, record.used, {k: versions.get(k, ABSENT) for k in record.reads},
                               record.declared).key
            if key == record.key and folder.complete(record):
                return folder, record
        return None

    def _reuse(self, task, label: str, state: State) -> bool:
        """Restore a task's outputs instead of running it, if a stored record is still valid now."""
        assert self.task_cache is not None  # asked only while caching
        hit = self._find_hit(task, label, {k: state.version(k) for k in state})
        if hit is None:
            return False
        source, record = hit
        if source is not self.task_cache:  # another experiment of the project made exactly this
            try:
                record = self.task_cache.adopt(label, record, source)
            except FileNotFoundError:  # that experiment is rewriting it right now: make our own
                return False
        self.task_cache.restore(record, state, resume=self.resume_hint)
        entry = self.run_record.start(label, record.task)
        origin = {} if source is self.task_cache else {"from": source.name}
        self.run_record.finish(entry, TaskStatus.CACHED, write=False, key=record.key, **origin)
        logger.info(f"↷ {label}: cached" + (f" (from experiment {source.name})" if origin else ""))
        return True

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


_EMPTY = ResolvedConfig([], {})
