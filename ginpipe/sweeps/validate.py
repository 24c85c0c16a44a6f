"""A sweep's (or a study's) configuration checked once, in the parent, before any member starts.

Without it, a mistake every member shares (`--sweep "LR=[1e-3,1e-4]"` where no config defines `LR`)
launches every member, each fails the same way, and `--dry-run` said nothing. Here each member's
configuration goes through the runner's own `prepare` (compose, resolve, validate; nothing imported,
so no torch) and its folder through the refusal a run asks, and the first refusal is raised. A
member's own values are bound where the user wrote them (the `--sweep`/`--search` item, the
`!sweep:`/`!search:` line), so an error names that place. So a refused sweep answers as fast as
`--dry-run`, and `--dry-run` exits 2 exactly when the real run would be refused.

Preparing costs a fraction of a second per member, so a large grid is checked through a covering set:
members chosen so that every value of every axis occurs in at least one (as many as the longest
axis has values), plus every member whose folder exists already (its config may clash with it).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

from ..config.text.composition import Composition, compose
from ..errors import Where
from ..experiment.folder import Experiment
from ..runs.options import RunOptions
from ..runs.prepare import prepare, run_scope

__all__ = ["Check", "check_runs", "check_sweep", "covering", "with_values"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One member to check: its options, its configuration (the member's values at their places) and
    its folder (None: a new one, as a study's trial's always is)."""

    options: RunOptions
    composition: Composition
    folder: Path | None = None


def check_sweep(sweep, composition: Composition) -> None:
    """Raise the first refusal among the sweep's members (its covering set, and those whose folder
    exists and that would not be skipped as finished); `composition` is the sweep's configs and mods."""
    from .sweep_jobs import finished

    checked = set(covering(len(sweep.members), [len(a.values) for a in sweep.axes]))
    checked |= {i for i, m in enumerate(sweep.members)
                if m.folder.exists() and (sweep.rerun_finished or not finished(m))}
    check_runs([Check(m.options, with_values(composition, [(a.key, mod.split("=", 1)[1], a.where)
                                                           for a, mod in zip(sweep.axes, m.mods)]), m.folder)
                for i, m in enumerate(sweep.members) if i in checked])


def check_runs(checks: Sequence[Check]) -> list[str]:
    """Raise the first refusal among the members: what that member's own run would raise. Returns
    their composed configs (as config.gin holds them)."""
    texts = []
    for check in checks:
        with run_scope():
            prepared = prepare(check.options, check.composition)
        texts.append(prepared.config_text)
        if check.folder is None:
            continue
        # locked=True: a member whose folder another command's run holds is not refused here; the
        # sweep waits for that run and adopts what it finished (sweep_jobs._SweepMembers.ready)
        refused = Experiment(check.folder).refusal(prepared.config_text, resume=check.options.resume,
                                                   overwrite=check.options.overwrite, locked=True)
        if refused is not None:
            raise refused
    return texts


def with_values(composition: Composition, values: Sequence[tuple[str, str, Where]]) -> Composition:
    """`composition` with `key = gin text` bindings appended, each at the place the user wrote it."""
    extra = [dataclasses.replace(compose([], [f"{key}={text}"]).bindings[0], where=where)
             for key, text, where in values]
    return dataclasses.replace(composition, bindings=[*composition.bindings, *extra])


def covering(count: int, sizes: Sequence[int]) -> list[int]:
    """Indices (in `itertools.product` order) of grid members that hold every value of every axis."""
    chosen = set()
    for i in range(max(sizes, default=0)):
        index = 0
        for size in sizes:
            index = index * size + i % size
        chosen.add(index)
    return sorted(i for i in chosen if i < count)
