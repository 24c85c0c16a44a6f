"""`--dry-run`: the composed config and the plan (run / cached / missing inputs); nothing runs."""
from __future__ import annotations

from .experiment import Experiment
from .journal import Journal
from .pipeline import Engine
from .runner import _run_scope, prepare
from .state import State
from .store import Store

__all__ = ["print_dry_run"]


def print_dry_run(configs, mods, module_lists, experiment_name, project_name, output_dir,
                  from_task=None, no_cache=False, resume=False, overwrite=False) -> None:
    """Print the composed config and the plan; raise what the real run would be refused with."""
    with _run_scope():
        prepared = prepare(configs, mods, module_lists, experiment_name, project_name, output_dir)
        folder = prepared.naming.output_dir
        store = Store(folder) if (folder / "state" / "index.json").is_file() else None
        engine = Engine(prepared.config, store, Journal(None), selectors=prepared.selectors(),
                        objects=prepared.objects(),
                        no_cache=no_cache, from_task=from_task)
        state = State({"output_dir": str(folder), **prepared.initial})
        decisions = engine.plan(prepared.top_tasks(), state) if store else None
        print("# Composed config\n" + prepared.config_str())
        print(f"# Plan for {folder}" + ("" if store else " (new experiment: every task runs)"))
        for number, task in enumerate(prepared.top_tasks(), 1):
            if decisions is None:
                from .pipeline import task_name
                print(f"  run     {number:02d}-{task_name(task)}")
                continue
            d = decisions[number - 1]
            note = f"  ({d.reason})" if d.reason else ""
            missing = f"  missing inputs: {', '.join(d.missing)}" if d.missing else ""
            print(f"  {d.action:<7} {d.label}{note}{missing}")
        refused = Experiment(folder).refusal(prepared.config_str(), resume=resume, overwrite=overwrite)
        if refused is not None:  # exit 2, as the real run would
            raise refused
