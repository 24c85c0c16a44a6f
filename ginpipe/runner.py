"""`run()`: compose, validate, then execute one experiment. The CLI and the Python API both call it."""
from __future__ import annotations

import contextlib
import os
import shlex
import sys
from pathlib import Path
from typing import Sequence

import gin
from loguru import logger

from .binding import bind_all
from .composer import Binding, compose
from .environment import describe_environment
from .errors import ExperimentError, GinpipeError, Where, unwrap_gin_exception
from .experiment import Experiment, is_rank_zero
from .interrupts import RunInterrupted
from .journal import Journal
from .mod_usage import check_mod_macros
from .naming import choose_naming
from .pipeline import Engine, register_pipeline, task_name
from .local_tasks import local_task_packages, local_tasks_importable
from .registry import Registry, read_module_list
from .resolution import ResolvedConfig, resolve
from .state import State
from .console import log_to_file
from .store import Store
from .storage import write_json
from .usage import UsageRecorder
from .module_identity import one_module_per_file
from .unused_bindings import describe as describe_unused, unused_bindings
from .value_checks import check_values
from .validation import check_macros, check_one_object_per_definition, check_parameters, check_task_lists

__all__ = ["run", "prepare", "Prepared"]

PIPELINE = "execute_pipeline"


class Prepared:
    """A composed, validated and bound configuration, ready to run (or to print, for --dry-run)."""

    def __init__(self, config: ResolvedConfig, registry: Registry, naming, initial: dict):
        self.config, self.registry, self.naming, self.initial = config, registry, naming, initial

    def config_str(self) -> str:
        return gin.config_str()

    def top_tasks(self) -> list:
        references = gin.query_parameter(f"{PIPELINE}.tasks")
        return [r.scoped_configurable_fn if not r.evaluate else r.configurable.wrapped for r in references]

    def selectors(self) -> dict[int, str]:
        return {id(c.wrapped): s for s, c in gin.config._REGISTRY.items()}  # noqa: SLF001

    def objects(self) -> dict[str, object]:
        return {s: c.wrapped for s, c in gin.config._REGISTRY.items()}  # noqa: SLF001


def prepare(configs: Sequence[str], mods: Sequence[str] = (), module_lists: Sequence[str] = (),
            experiment_name: str | None = None, project_name: str | None = None,
            output_dir: str | os.PathLike | None = None) -> Prepared:
    """Compose, register, validate and bind to gin. Raises ConfigError with the user's file:line."""
    composition = compose([str(c) for c in configs], list(mods))
    aliases: dict[str, str] = {}
    for module_list in module_lists:
        aliases.update(read_module_list(str(module_list)))
    listed = set(aliases)
    aliases.update(composition.aliases)
    packages = local_task_packages()
    registry = Registry(aliases=aliases, packages=packages + composition.packages,
                        listed=listed - set(composition.aliases))
    register_pipeline()
    naming = choose_naming(composition, experiment_name, project_name, output_dir)
    for name, value in naming.macros().items():
        composition.bindings.append(Binding("", name, "", value, Where("<ginpipe>", 0)))
    config = resolve(composition, registry, {})
    check_parameters(config)
    check_macros(config)
    check_one_object_per_definition(config)
    check_mod_macros(composition)
    check_values(config)
    check_task_lists(config, registry.resolve(PIPELINE, Where("<ginpipe>", 0)))
    bind_all(config)
    initial = {key: value for key, value, _ in composition.initial_state}
    return Prepared(config, registry, naming, initial)


def run(configs: str | os.PathLike | Sequence[str | os.PathLike], mods: Sequence[str] = (), *,
        module_lists: Sequence[str] = (), experiment_name: str | None = None,
        project_name: str | None = None, output_dir: str | os.PathLike | None = None,
        resume: bool = False, overwrite: bool = False, from_task: str | None = None,
        no_cache: bool = False, command: str | None = None, log_level: str = "INFO") -> State:
    """Run one experiment and return its final state.

    Args:
        configs: gin files, applied in order (later bindings win).
        mods: extra bindings applied last, e.g. `["Resnet.n_layers=20", "SEED=3"]`.
        module_lists: GinPipe import lists (`module: alias` lines).
        experiment_name, project_name, output_dir: where to write (see `ginpipe.naming`).
        resume: reuse what is still valid when the folder holds a different config.
        overwrite: empty the folder first.
        from_task: rerun from this task on, even if cached.
        no_cache: rerun every task.
        command: the command line, to tell the user how to resume after a failure.

    Example:
        >>> for layers in (8, 14):  # doctest: +SKIP
        ...     state = ginpipe.run(["configs/base.gin"], mods=[f"Resnet.n_layers={layers}"])
    """
    if isinstance(configs, (str, os.PathLike)):
        configs = [configs]
    if isinstance(mods, str):  # one binding, not its characters
        mods = [mods]
    with _run_scope():
        prepared = prepare(configs, mods, module_lists, experiment_name, project_name, output_dir)
        if from_task:  # before the folder is opened: a typo must not touch an existing experiment
            _check_from_task(prepared, from_task)
        naming, writer = prepared.naming, is_rank_zero()
        experiment = Experiment(naming.output_dir)
        state = State({"output_dir": str(naming.output_dir), **prepared.initial})
        resume_hint = _resume_hint(command, naming, experiment_name)
        if not writer:
            return _execute(prepared, state, None, Journal(None), no_cache=True, resume_hint=resume_hint)
        experiment.open(prepared.config_str(), resume=resume, overwrite=overwrite)
        naming.export()
        try:
            with log_to_file(naming.output_dir / "logs" / "run.log", level=log_level):
                logger.info(f"Experiment {naming.output_dir}")
                write_json(naming.output_dir / "environment.json", describe_environment(), durable=False,
                           tmp_dir=experiment.tmp_dir)
                journal = Journal(naming.output_dir / "run.json", argv=sys.argv, command=command,
                                  experiment=naming.experiment, project=naming.project,
                                  output_dir=str(naming.output_dir), host=os.uname().nodename,
                                  pid=os.getpid())
                store = Store(naming.output_dir)
                return _execute(prepared, state, store, journal, no_cache=no_cache,
                                from_task=from_task, resume_hint=resume_hint)
        except OSError as e:  # writing the log, run.json or environment.json before the first task
            raise _write_error(e, resume_hint) from e
        finally:
            try:
                _write_operative_config(experiment, failed=sys.exc_info()[0] is not None)
            finally:
                experiment.close()


def _execute(prepared: Prepared, state: State, store: Store | None, journal: Journal,
             no_cache: bool = False, from_task: str | None = None, resume_hint: str = "") -> State:
    engine = Engine(prepared.config, store, journal, selectors=prepared.selectors(),
                    objects=prepared.objects(), no_cache=no_cache,
                    from_task=from_task, resume_hint=resume_hint, usage=UsageRecorder())
    try:
        with engine, engine.usage:
            state = gin.get_configurable(PIPELINE)(state)
        if store is not None:
            store.prune(set(engine.executed) | set(engine.cached))
        journal.end("done", executed=engine.executed, cached=engine.cached)
    except BaseException as raised:
        error = unwrap_gin_exception(raised)
        if isinstance(error, OSError):  # the runner's own writes (a task's errors arrive as TaskError)
            error = _write_error(error, resume_hint)
        if isinstance(error, KeyboardInterrupt):  # between tasks, or in the runner's own work
            error = RunInterrupted("interrupted (Ctrl-C); the tasks finished before are saved.",
                                   hint=resume_hint.replace("Fix the cause, then resume", "Resume", 1) or None)
        try:
            journal.end("interrupted" if isinstance(error, RunInterrupted) else "failed", error=str(error),
                        executed=engine.executed, cached=engine.cached)
        except OSError:
            pass  # a full disk must not hide the error that says so
        if isinstance(error, GinpipeError):
            logger.bind(file_only=True).opt(exception=error.__cause__ or error).error("Traceback:")
        raise error from error.__cause__
    unused = unused_bindings(prepared.config) if not engine.cached else []  # a cached task calls nothing
    if unused:
        logger.warning(describe_unused(unused))
    logger.info(f"Done: {len(engine.executed)} task(s) ran, {len(engine.cached)} came from the cache.")
    return state


def _check_from_task(prepared: Prepared, name: str) -> None:
    from .errors import ConfigError, did_you_mean
    names = [task_name(t) for t in prepared.top_tasks()]
    labels = [f"{i:02d}-{n}" for i, n in enumerate(names, 1)]
    if name not in names and name not in labels and "/" not in name:
        raise ConfigError(f"--from {name}: no task of that name in the pipeline.{did_you_mean(name, names)}",
                          hint="Tasks: " + ", ".join(names))


def _write_error(error: OSError, resume_hint: str) -> ExperimentError:
    path = Path(str(error.filename)) if error.filename else None
    if path is not None and path.parent.name == ".tmp":  # a staged file: name what it was for
        path = path.parent.parent
    where = f" ({path})" if path is not None else ""
    wrapped = ExperimentError(
        f"Cannot write to the experiment folder: {error.strerror or error}{where}.",
        hint="Free some space, or make the folder writable: what was saved so far is complete. " + resume_hint)
    wrapped.__cause__ = error
    return wrapped


def _write_operative_config(experiment: Experiment, failed: bool) -> None:
    """operative_config.gin, at the end; when the run failed already, its error is the one to report."""
    try:
        experiment.write_text("operative_config.gin", gin.operative_config_str())
    except Exception as e:  # noqa: BLE001 - reported, not raised, when another error is on its way
        if not failed:
            raise
        logger.bind(file_only=True).warning(f"operative_config.gin was not written: {type(e).__name__}: {e}")


# Flags that would not continue a failed run: they rerun finished tasks, or empty the folder.
_NOT_RESUMING = {"--overwrite": 0, "--no-cache": 0, "--dry-run": 0, "--from": 1}


def _resume_hint(command: str | None, naming, experiment_name: str | None) -> str:
    """The command that continues this run after a failure: same configs, `--resume` (it also accepts
    a config the user has just fixed), finished tasks from the cache."""
    if not command:
        return (f"Fix the cause and run again with experiment_name={naming.experiment!r}, resume=True:"
                " finished tasks come from the cache.")
    words, kept = shlex.split(command), []
    if words[1:2] == ["reproduce"]:
        return _reproduce_again_hint(words)
    skip = 0
    for word in words:
        flag = word.split("=", 1)[0]
        if skip:
            skip -= 1
        elif flag in _NOT_RESUMING:
            skip = _NOT_RESUMING[flag] if "=" not in word else 0
        else:
            kept.append(word)
    if not any(w.startswith(("--experiment", "--output")) for w in kept):
        kept += ["--experiment-name", naming.experiment]
    if "--resume" not in kept:
        kept.append("--resume")
    return f"Fix the cause, then resume (finished tasks come from the cache) with:\n    {shlex.join(kept)}"


def _reproduce_again_hint(words: list[str]) -> str:
    """`ginpipe reproduce` has no --resume: it always reruns everything. Without --experiment-name it
    picks a fresh `<name>__reproduced-N` folder, so the plain command works again."""
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ("--experiment-name", "--experiment_name"):
            skip = True
        elif not word.startswith(("--experiment-name=", "--experiment_name=")):
            kept.append(word)
    return f"Fix the cause, then reproduce again (into a new folder) with:\n    {shlex.join(kept)}"


@contextlib.contextmanager
def _run_scope():
    """The project folder is importable during a run; gin's config is clean before and after it."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    gin.clear_config()
    try:
        with local_tasks_importable(), one_module_per_file(Path(cwd)):
            yield
    finally:
        gin.clear_config()
        if added and cwd in sys.path:
            sys.path.remove(cwd)
