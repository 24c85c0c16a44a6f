"""The small public API for project code (tasks): files written atomically, JSON, configs read as
ginpipe reads them, which process may write, whether the run is quiet (-q), whether a path may be
removed (only inside an experiment ginpipe marked as its own), `set_aside` (an output of an earlier
configuration moved aside and recorded: the only folders of an experiment `ginpipe gc` removes), how
an experiment's last run ended (`read_run_state(folder).status`, a `RunStatus`: done, failed, interrupted, pruned or
running),
`mark_cache` (a shared cache folder, the running experiment recorded as its user, that `ginpipe gc`
removes once no user remains), the MLflow run the experiment is tracked in (`tracking_run`: None when
tracking is off), `plain_float`/`plain_numbers` (float32 metrics as the short decimals they are: 0.1,
not 0.10000000149011612), and whether the run is a search trial (`in_trial`), which reports
per-epoch values to its study (`report_trial`, which raises `TrialPruned` when the study's pruner
stops it), `code_digest` (the project code an object can reach, as a digest: what a cache of its
results keys on, beside its settings), `must_recompute` (True while a cache a task keeps across
experiments must be recomputed, not read: `ginpipe reproduce`) and `declare_input` (a file or folder
the running task reads by a name no binding holds: its changes rerun the task, as the paths its
bindings name do), and `cluster_address` (the Dask scheduler given with `--cluster`, where data jobs
run; None: this machine).

Tasks import these names, never ginpipe's internals:

    from ginpipe.io import atomic_write, is_main_process

    if is_main_process():
        atomic_write(folder / "report.csv", lambda f: report.to_csv(f, index=False), tmp_dir=folder / ".tmp")
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config.registry.source_modules import is_project_module
from .experiment.caches import mark_cache
from .experiment.folder_safety import check_removable
from .experiment.metrics import plain_float, plain_numbers
from .experiment.quiet import quiet
from .experiment.ranks import is_main_process
from .experiment.folder_status import read_folder_status as read_run_state  # its public name since before the rename
from .experiment.set_aside import set_aside
from .experiment.statuses import RunStatus
from .files import atomic_write, fsync_path, read_json, write_json, write_text
from .runs.cluster import cluster_address
from .runs.task_metrics import declares_metrics
from .runs.trial import TrialPruned, in_trial, report_trial
from .cache.declared import declare_input
from .cache.object_code import code_digest
from .cache.recompute import must_recompute
from .tracking.active import TrackingRun, tracking_run

if TYPE_CHECKING:  # imported on first use (`__getattr__` below); named here for the checkers
    from .config.text.values import MacroRef, Ref, walk

__all__ = ["atomic_write", "write_text", "write_json", "read_json", "fsync_path", "is_main_process",
           "quiet", "check_removable", "set_aside", "mark_cache", "read_run_state", "tracking_run", "TrackingRun",
           "plain_float", "plain_numbers", "read_config", "Ref", "MacroRef", "walk",
           "in_trial", "report_trial", "TrialPruned", "code_digest", "is_project_module", "must_recompute",
           "declare_input", "cluster_address", "RunStatus", "declares_metrics"]


def read_config(configs: str | os.PathLike | Sequence[str | os.PathLike], mods: Sequence[str] = ()):
    """The bindings of gin files (and mods) as ginpipe reads them, with nothing imported or bound.

    Returns a `Composition`: `.bindings` (each with `.selector`, `.arg`, `.value`, `.where`), and
    `.files`, `.aliases`, `.packages`, `.expressions`, `.initial_state`, `.sweeps`, `.searches`, `.blocks`.
    Values are literals, `Ref` (`@name`, `@name()`) and `MacroRef` (`%NAME`); `walk` visits nested ones.

    Raises:
        ConfigError: naming the file and line at fault.
    """
    from .config.text.composition import compose

    if isinstance(configs, (str, os.PathLike)):
        configs = [configs]
    return compose([str(c) for c in configs], list(mods))


def __getattr__(name: str):
    if name in ("Ref", "MacroRef", "walk"):  # gin-free, but kept lazy like the rest of ginpipe
        from .config.text import values
        return getattr(values, name)
    raise AttributeError(f"module 'ginpipe.io' has no attribute {name!r}")
