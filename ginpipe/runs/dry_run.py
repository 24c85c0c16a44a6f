"""`--dry-run`: the composed config and the plan (run / cached / missing inputs); nothing runs."""
from __future__ import annotations

from ..config.text.composition import Composition
from ..experiment.folder import Experiment
from ..log import logger
from ..experiment.run_record import RunRecord
from ..cache.shared import State
from ..cache.task_cache_folder import TaskCacheFolder
from .engine import Engine
from .options import RunOptions
from .prepare import prepare, run_scope

__all__ = ["print_dry_run"]


def print_dry_run(options: RunOptions, composition: Composition | None = None) -> None:
    """Print the composed config and the plan; raise what the real run would be refused with."""
    with run_scope():
        prepared = prepare(options, composition)
        folder = prepared.naming.output_dir
        task_cache = TaskCacheFolder(folder)  # a new experiment's too: its tasks may come from a sibling's cache
        engine = Engine(prepared.config, task_cache, RunRecord(None), selectors=prepared.selectors,
                        objects=prepared.objects, no_cache=options.no_cache, from_task=options.from_task)
        state = State({"output_dir": str(folder), **prepared.initial})
        decisions = engine.plan(prepared.tasks, state)
        for warning in prepared.config.warnings:  # what the real run would warn about first
            logger.warning(warning)
        print("# Composed config\n" + prepared.config_text)
        print(f"# Plan for {folder}" + ("" if task_cache.index_path.is_file() else " (new experiment)"))
        for d in decisions:
            note = f"  ({d.reason})" if d.reason else ""
            missing = f"  missing inputs: {', '.join(d.missing)}" if d.missing else ""
            print(f"  {d.action:<7} {d.label}{note}{missing}")
        refused = Experiment(folder).refusal(prepared.config_text, resume=options.resume, overwrite=options.overwrite)
        if refused is not None:  # exit 2, as the real run would
            raise refused
