"""Whether a finished member (a sweep's, a study's trial) would be taken whole from its own cache now.

The runner's own plan of the member decides, as its rerun would: the code its tasks reach, their
bindings and the data they read must all be as when they ran. A command and config files that did
not change are not enough (an edited helper or data folder changes nothing in them).
"""
from __future__ import annotations

from ..errors import GinpipeError
from .sweep_plan import Member

__all__ = ["tasks_to_rerun"]


def tasks_to_rerun(member: Member) -> list[str]:
    """The tasks of `member` that its rerun would not take from its folder's cache, each with why
    (`05-fit: inputs changed: ...`); empty when every task is cached."""
    from ..cache.shared import State
    from ..cache.task_cache_folder import TaskCacheFolder
    from ..experiment.run_record import RunRecord
    from ..experiment.statuses import Action
    from ..runs.engine import Engine
    from ..runs.prepare import prepare, run_scope

    try:
        with run_scope():
            prepared = prepare(member.options)
            engine = Engine(prepared.config, TaskCacheFolder(member.folder), RunRecord(None),
                            selectors=prepared.selectors, objects=prepared.objects, share=False)
            state = State({"output_dir": str(member.folder), **prepared.initial})
            decisions = engine.plan(prepared.tasks, state)
    except GinpipeError as e:  # the member's own run says what is wrong
        return [f"it cannot be planned now: {str(e).splitlines()[0]}"]
    return [f"{d.label}: {d.reason}" if d.reason else d.label for d in decisions if d.action is not Action.CACHED]
