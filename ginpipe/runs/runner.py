"""`run()`: compose, validate, then execute one experiment. The CLI and the Python API both call it.

`ginpipe.run(configs, mods, ...)` builds a `RunOptions` from its keywords; the CLI builds one from
argv; both end in `run_experiment(options)`.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Sequence

import gin

from ..config.text.composition import Composition
from ..config.gin_internals import unwrap_exception
from ..config.checks.unused_bindings import describe as describe_unused, unused_bindings
from ..config.usage_recorder import UsageRecorder
from ..errors import ConfigError, GinpipeError, RunInterrupted, did_you_mean
from ..experiment.console import log_to_file
from ..experiment.environment import describe_environment
from ..experiment.folder import Experiment
from ..experiment.ranks import is_main_process
from ..experiment.run_record import RunRecord
from ..experiment.statuses import Action, RunStatus
from ..files import write_json
from ..log import logger
from ..cache.shared import State
from ..cache.task_cache_folder import TaskCacheFolder
from ..cache.task_keys import CodeDigests
from .cluster import cluster_environment
from .engine import Engine
from .failures import in_python, resume_hint, resume_only, write_error
from .options import RunOptions
from .prepare import PIPELINE, Prepared, prepare, run_scope
from .task_names import task_name

__all__ = ["run", "run_experiment"]


def run(configs: str | os.PathLike | Sequence[str | os.PathLike], mods: Sequence[str] = (), *,
        module_lists: Sequence[str] = (), experiment_name: str | None = None,
        project_name: str | None = None, output_dir: str | os.PathLike | None = None,
        resume: bool = False, overwrite: bool = False, from_task: str | None = None,
        no_cache: bool = False, command: str | None = None, log_level: str = "INFO",
        track: str | None = None) -> State:
    """Run one experiment and return its final state.

    Args:
        configs: gin files, applied in order (later bindings win).
        mods: extra bindings applied last, e.g. `["Resnet.n_layers=20", "SEED=3"]`.
        module_lists: GinPipe import lists (`module: alias` lines).
        experiment_name, project_name, output_dir: where to write (see `ginpipe.experiment.naming`).
        resume: reuse what is still valid when the folder holds a different config.
        overwrite: empty the folder first.
        from_task: rerun from this task on, even if cached.
        no_cache: rerun every task.
        command: the command line, to tell the user how to resume after a failure.
        log_level: "DEBUG" also writes debug messages to logs/run.log.
        track: MLflow tracking URI: the experiment becomes an MLflow run (default: the config's
            `TRACKING_URI` macro, else no tracking).

    Example:
        >>> for layers in (8, 14):  # doctest: +SKIP
        ...     state = ginpipe.run(["configs/base.gin"], mods=[f"Resnet.n_layers={layers}"])
    """
    if isinstance(mods, str):  # one binding, not its characters
        mods = [mods]
    if isinstance(configs, (str, os.PathLike)):  # one file
        configs = [configs]
    options = RunOptions(tuple(map(str, configs)), tuple(mods), tuple(module_lists), experiment_name, project_name,
                         None if output_dir is None else str(output_dir), resume,
                         overwrite, from_task, no_cache, verbosity=1 if log_level.upper() == "DEBUG" else 0,
                         command=command, track=track)
    try:
        return run_experiment(options)
    except GinpipeError as error:
        if command:  # a command line's errors speak its flags
            raise
        raise in_python(error) from error.__cause__


def run_experiment(options: RunOptions, composition: Composition | None = None) -> State:
    """Run the experiment `options` describe (from `composition` when the configs were read already)."""
    with run_scope(), _trial_environment(options.trial), cluster_environment(options.cluster):
        prepared = prepare(options, composition)
        if options.from_task:  # before the folder is opened: a typo must not touch an existing experiment
            _check_from_task(prepared, options.from_task)
        naming = prepared.naming
        experiment = Experiment(naming.output_dir)
        state = State({"output_dir": str(naming.output_dir), **prepared.initial})
        hint = resume_hint(options.command, naming)
        if not is_main_process():
            return _execute_tasks(prepared.bind(), state, None, RunRecord(None), hint)
        planned = TaskCacheFolder(naming.output_dir)  # read before the folder is locked; see `_all_cached`
        code = CodeDigests(Path.cwd())  # the project source's digests, for the plan and the run
        if not _all_cached(prepared, state, planned, code):
            prepared.bind()  # imports the tasks' modules; before the folder opens, so an error touches nothing
        experiment.open(prepared.config_text, resume=options.resume, overwrite=options.overwrite)
        naming.export()
        try:
            with log_to_file(naming.output_dir / "logs" / "run.log", level=options.log_level):
                logger.info(f"Experiment {naming.output_dir}")
                for warning in prepared.config.warnings:  # what the checks let pass (a lazy macro)
                    logger.warning(warning)
                write_json(naming.output_dir / "environment.json", describe_environment(), durable=False,
                           tmp_dir=experiment.tmp_dir)
                record = RunRecord(naming.output_dir / "run.json", argv=sys.argv, command=options.command,
                                   experiment=naming.experiment, project=naming.project,
                                   output_dir=str(naming.output_dir), host=os.uname().nodename, pid=os.getpid())
                tracker = _start_tracking(prepared, experiment)
                final = None
                try:
                    final = _execute_tasks(prepared, state, planned.reread(), record, hint, code)
                    return final
                finally:
                    if tracker is not None:
                        tracker.finish(final)
        except OSError as e:  # writing the log, run.json or environment.json before the first task
            raise write_error(e, hint, naming.output_dir) from e
        finally:
            try:
                _write_operative_config(experiment, failed=sys.exc_info()[0] is not None)
            finally:
                experiment.close()


def _execute_tasks(prepared: Prepared, state: State, task_cache: TaskCacheFolder | None, record: RunRecord, hint: str,
             code: CodeDigests | None = None) -> State:
    options = prepared.options
    usage = UsageRecorder()
    engine = Engine(prepared.config, task_cache, record, selectors=prepared.selectors, objects=prepared.objects,
                    no_cache=options.no_cache or task_cache is None,
                    from_task=options.from_task if task_cache else None,
                    resume_hint=hint, usage=usage, live_task=prepared.live_task,
                    code=code or CodeDigests(Path.cwd()))
    try:
        with engine, usage:
            state = gin.get_configurable(PIPELINE)(state)
        if task_cache is not None:
            task_cache.prune(set(engine.executed) | set(engine.cached))
        record.end(RunStatus.DONE, executed=engine.executed, cached=engine.cached)
    except BaseException as raised:
        error = unwrap_exception(raised)
        if isinstance(error, OSError):  # the runner's own writes (a task's errors arrive as TaskError)
            error = write_error(error, hint, prepared.naming.output_dir)
        if isinstance(error, KeyboardInterrupt):  # between tasks, or in the runner's own work
            error = RunInterrupted("interrupted (Ctrl-C); the tasks finished before are saved.",
                                   hint=resume_only(hint))
        try:
            status = (RunStatus.INTERRUPTED if isinstance(error, RunInterrupted) else
                      RunStatus.PRUNED if _is_pruned(error) else RunStatus.FAILED)
            record.end(status, error=str(error),
                       executed=engine.executed, cached=engine.cached)
        except OSError:
            pass  # a full disk must not hide the error that says so
        if isinstance(error, GinpipeError):
            logger.bind(file_only=True).opt(exception=error.__cause__ or error).error("Traceback:")
        raise error from error.__cause__
    # a cached task calls nothing: the check needs every task to have run
    unused = unused_bindings(prepared.config, options.configs, prepared.pipeline) if not engine.cached else []
    if unused:
        logger.warning(describe_unused(unused))
    logger.info(f"Done: {len(engine.executed)} task(s) ran, {len(engine.cached)} came from the cache.")
    return state


def _trial_environment(link_text: str | None):
    """A search trial's environment (`runs.trial`, imported only for trials), or nothing."""
    if not link_text:
        return contextlib.nullcontext()
    from .trial import trial_environment

    return trial_environment(link_text)


def _is_pruned(error: BaseException) -> bool:
    trial = sys.modules.get(f"{__package__}.trial")  # a trial prunes only once that module is loaded
    return trial is not None and isinstance(error, trial.TrialPruned)


def _all_cached(prepared: Prepared, state: State, task_cache: TaskCacheFolder, code: CodeDigests) -> bool:
    """Whether the plan takes every top-level task from the cache (this experiment's, or an identical
    task's outputs in a sibling experiment): then no task module is imported.

    Planned before the folder is locked: should another run change it meanwhile, the engine imports
    the task that turns out to run (`Prepared.live_task`), and the run goes on as any other."""
    options = prepared.options
    if options.no_cache or options.from_task or prepared.needs_import():
        return False
    engine = Engine(prepared.config, task_cache, RunRecord(None), selectors=prepared.selectors,
                    objects=prepared.objects,
                    code=code)
    return all(d.action is Action.CACHED for d in engine.plan(prepared.tasks, State(dict(state))))


def _start_tracking(prepared: Prepared, experiment: Experiment):
    """The experiment's MLflow run when tracking is on (mlflow is imported only then), else None."""
    from ..tracking.settings import tracking_uri

    uri = tracking_uri(prepared.options.track, prepared.config.macros)
    if uri is None:
        return None
    from ..tracking.experiment_tracker import start_experiment_run

    naming = prepared.naming
    return start_experiment_run(uri, project=naming.project, experiment=naming.experiment, folder=naming.output_dir,
                                config=prepared.config, config_text=prepared.config_text,
                                command=prepared.options.command, parent=prepared.options.track_parent,
                                tmp_dir=experiment.tmp_dir)


def _check_from_task(prepared: Prepared, name: str) -> None:
    names = [task_name(t) for t in prepared.tasks]
    labels = [f"{i:02d}-{n}" for i, n in enumerate(names, 1)]
    if name not in names and name not in labels and "/" not in name:
        raise ConfigError(f"--from {name}: no task of that name in the pipeline.{did_you_mean(name, names)}",
                          hint="Tasks: " + ", ".join(names))


def _write_operative_config(experiment: Experiment, failed: bool) -> None:
    """operative_config.gin, at the end; when the run failed already, its error is the one to report."""
    try:
        experiment.write_text("operative_config.gin", gin.operative_config_str())
    except Exception as e:  # reported, not raised, when another error is on its way
        if not failed:
            raise
        logger.bind(file_only=True).warning(f"operative_config.gin was not written: {type(e).__name__}: {e}")
