"""The start gate of a parallel sweep: which members may start, so that tasks they share run once.

Members started together would each run the tasks they have in common (nothing is cached yet). So
the first member starts alone, and each other member starts as soon as no member already started
may still make the next task it has to run. The runner's own plan tells which task that is:
`prepare` the member's config and ask `Engine.plan` which of its tasks are cached, with the started
members as sibling experiments. Then, for that first task that is not cached, each started member
that is still running either

* has made it already (its record is there), and the two differ, since the plan could not reuse it;
* or has not made it yet. A task's key depends on the configurables it *uses*, known only once it
  ran, so it is judged from the config: if a configurable reachable from the task's own bindings
  (`fit_model.model = @Resnet` reaches `Resnet`, and `Resnet.optimizer = @AdamW` reaches `AdamW`) is
  bound differently in the two members, the task almost surely differs; otherwise the member waits
  for the other to make it. A wrong guess costs duplicated work, never a wrong result: the member's
  own run decides what it reuses.

So with `Resnet.n_layers=[8,14]` x `AdamW.lr=[1e-3,1e-4]` and 4 jobs, loading and feature extraction
run once, then the 4 trainings at once. Planning imports the project's tasks in the sweep's own
process, once, while the first member runs; it runs no task.
"""
from __future__ import annotations

from collections import defaultdict

from ..config.resolution import ResolvedConfig
from ..config.text.values import MacroRef, Ref, canonical_text, walk
from ..errors import GinpipeError
from ..experiment.statuses import Action
from ..experiment.run_record import RunRecord
from ..log import logger
from ..runs.engine import Engine
from ..runs.prepare import Prepared, prepare, run_scope
from ..runs.task_names import original
from ..cache.shared import State
from ..cache.task_cache_folder import TaskCacheFolder

__all__ = ["StartGate"]


class StartGate:
    """Releases sweep members (in order) once no started member may still make their next task."""

    def __init__(self, members: list):
        self.free, self.waiting = list(members[:1]), list(members[1:])
        self.over: set[str] = set()  # members that ended (done or failed)
        self._prepared: dict[str, Prepared | None] = {}
        self._differing: dict[tuple[str, str], set[str]] = {}
        self._seen: object = "never"  # index.json stamps of the started members when last planned

    def released(self) -> list:
        """Members allowed to start, in sweep order (those released before included)."""
        if self.waiting and self._seen == "never":
            self._seen = "unplanned"  # the first member starts at once; planning begins on the next call
        elif self.waiting:
            stamps = (tuple(map(_stamp, self.free)), frozenset(self.over))
            if stamps != self._seen:
                self._seen = stamps
                for member in list(self.waiting):
                    if self._may_start(member):
                        self.waiting.remove(member)
                        self.free.append(member)
        return list(self.free)

    def add(self, member) -> None:
        """One more member, after those given (a search's trial, asked when there is room for it)."""
        if not self.free:
            self.free.append(member)
            return
        self.waiting.append(member)
        if self._seen != "never":
            self._seen = "unplanned"  # plan the newcomer on the next call

    def finished(self, member) -> None:
        self.over.add(member.name)

    def _may_start(self, member) -> bool:
        prepared = self._prepare(member)
        if prepared is None:
            return True  # a config error: the member reports it on its own
        engine = Engine(prepared.config, TaskCacheFolder(member.folder), RunRecord(None), selectors=prepared.selectors,
                        objects=prepared.objects, from_task=prepared.options.from_task)
        state = State({"output_dir": str(member.folder), **prepared.initial})
        decisions = engine.plan(prepared.tasks, state)
        first = next(((t, d) for t, d in zip(prepared.tasks, decisions) if d.action != Action.CACHED), None)
        if first is None:
            return True
        task, decision = first
        selector = prepared.selectors.get(id(original(task)))
        for other in self.free:
            if other.name in self.over:
                continue
            records = TaskCacheFolder(other.folder).records
            if decision.label in records or any(label.startswith(decision.label + "/") for label in records):
                continue  # made, and not reusable
            theirs = self._prepare(other)
            if theirs is None:
                continue
            differing = self._differing_between(member.name, other.name, prepared.config, theirs.config)
            if decision.action == Action.RUN and selector and _reachable(selector, prepared.config) & differing:
                continue  # will differ
            logger.debug(f"{member.name} waits for {other.name} to make {decision.label}")
            return False
        return True

    def _differing_between(self, a: str, b: str, config_a: ResolvedConfig, config_b: ResolvedConfig) -> set[str]:
        if (a, b) not in self._differing:
            self._differing[(a, b)] = _differing(config_a, config_b)
        return self._differing[(a, b)]

    def _prepare(self, member) -> Prepared | None:
        if member.name not in self._prepared:
            try:
                with run_scope():
                    self._prepared[member.name] = prepare(member.options)
            except GinpipeError:
                self._prepared[member.name] = None
        return self._prepared[member.name]


def _stamp(member):
    index = member.folder / "state" / "index.json"
    try:
        status = index.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _texts(config: ResolvedConfig) -> dict[str, str]:
    """selector -> its final bindings as text, macros substituted (as cache keys see them)."""
    final: dict[str, dict] = defaultdict(dict)
    for b in config.bindings:
        if not b.is_macro:
            final[b.selector][(b.scope, b.arg)] = canonical_text(b.value, config.macros)
    return {s: repr(sorted(v.items())) for s, v in final.items()}


def _differing(a: ResolvedConfig, b: ResolvedConfig) -> set[str]:
    ta, tb = _texts(a), _texts(b)
    return {s for s in set(ta) | set(tb) if ta.get(s) != tb.get(s)}


def _reachable(selector: str, config: ResolvedConfig) -> set[str]:
    """`selector` and every configurable its bindings refer to, through references and macros."""
    by_selector: dict[str, list] = defaultdict(list)
    for b in config.bindings:
        if not b.is_macro:
            by_selector[b.selector].append(b.value)
    seen, stack = {selector}, [selector]
    while stack:
        for value in by_selector.get(stack.pop(), []):
            for leaf in _leaves(value, config.macros):
                if isinstance(leaf, Ref) and leaf.selector not in seen:
                    seen.add(leaf.selector)
                    stack.append(leaf.selector)
    return seen


def _leaves(value, macros: dict, depth: int = 0):
    for leaf in walk(value):
        if isinstance(leaf, MacroRef) and leaf.name in macros and depth < 20:
            yield from _leaves(macros[leaf.name], macros, depth + 1)
        else:
            yield leaf
