"""The optuna study behind a search: opened (or created) in its storage, with its sampler and pruner,
and cleared of trials whose command died.

Several ginpipe commands may work on one study at once (local workers, other machines on a shared
database). Each trial records the command that asked for it (`ginpipe_worker`: host, pid and that
process's start time). A RUNNING trial whose command is gone (killed, the machine rebooted) is
marked failed, with that error, and its parameters are queued again, so a rerun retries it as a new
trial and no trial is lost silently. A command on another host is taken to be alive: this machine
cannot see it. A command killed between optuna's `ask()` and recording itself leaves a RUNNING trial
with no worker: it is dead too, unless a live command is asking at that moment (`asking`).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from ..errors import ConfigError
from ..experiment.statuses import TrialState
from ..log import logger
from ..runs.study_storage import shown, storage_error
from ..runs.trial import make_pruner, open_storage
from .optuna_internals import grid_sampler, reread, trial_of
from .space import Param

__all__ = ["StudySettings", "open_study", "fail_dead_trials", "worker_identity", "WORKER_ATTR", "counts", "asking",
           "state_of"]

WORKER_ATTR = "ginpipe_worker"
# A study attribute per command, set while it asks for a trial and records itself as the trial's
# worker: optuna cannot do both at once, so a RUNNING trial without a worker is dead unless a live
# command is in that window.
ASKING_PREFIX = "ginpipe_asking:"
SURPLUS_ATTR = "ginpipe_surplus"  # asked by two commands at once beyond --trials: never run


@dataclass(frozen=True)
class StudySettings:
    name: str  # the study's name in the storage: `<project>/<study folder name>`
    storage: str  # an optuna storage URL, or a journal file path
    direction: str  # "maximize" / "minimize"
    sampler: str = "tpe"  # tpe, random, grid, cmaes
    seed: int | None = None
    pruner: str = "none"  # none, median, hyperband


def open_study(settings: StudySettings, params: list[Param], check=None):
    """The study `settings` name, created when it does not exist yet.

    `check(existing)` is called with the study found in the storage (None when there is none) before
    anything is created: it may refuse a storage that does not match the study's folder.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(settings.storage)
    try:
        try:
            existing = optuna.load_study(study_name=settings.name, storage=storage, sampler=None)
        except KeyError:
            existing = None
        if existing is not None and existing.direction.name.lower() != settings.direction:
            raise ConfigError(f"Study {settings.name} in {redact(settings.storage)} {existing.direction.name.lower()}s"
                              f" its objective; this command would {settings.direction} it.",
                              hint="Pass the study's own --direction, or give the new search its own"
                                   " --experiment-name.")
        if check is not None:
            check(existing)
        done = len(existing.trials) if existing is not None else 0
        # A seeded sampler restarted on a study with history must not replay the first trials' draws.
        # The grid sampler's seed only shuffles the grid, which must stay the same in every command.
        seed = None if settings.seed is None else settings.seed + (done if settings.sampler != "grid" else 0)
        return optuna.create_study(storage=storage, study_name=settings.name, direction=settings.direction,  # type: ignore[arg-type]  # "maximize" or "minimize"
                                   sampler=_sampler(settings.sampler, seed, params),
                                   pruner=make_pruner(settings.pruner), load_if_exists=True)
    except ConfigError:
        raise
    except Exception as e:  # a storage that cannot be read or written, worded; else as it was
        worded = storage_error(settings.storage, e)
        if worded is e:
            raise
        raise worded from None


def _sampler(name: str, seed: int | None, params: list[Param]):
    import optuna.samplers as S

    if name == "grid":
        return grid_sampler({p.key: p.grid() for p in params}, seed=seed)
    if name == "random":
        return S.RandomSampler(seed=seed)
    if name == "cmaes":
        return S.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    # constant_liar: trials running at once (--jobs) are not all sent to the same spot
    return S.TPESampler(seed=seed, constant_liar=True)


def worker_identity() -> dict:
    return {"host": os.uname().nodename, "pid": os.getpid(), "started": _process_start(os.getpid())}


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart), where /proc has it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(worker: dict) -> bool:
    if worker.get("host") != os.uname().nodename:
        return True  # another machine's command: it may well be running
    pid = int(worker.get("pid", 0))
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    started = _process_start(pid)
    return started is None or worker.get("started") in (None, started)


@contextlib.contextmanager
def asking(study):
    """While this command asks for a trial and records itself as its worker (see ASKING_PREFIX)."""
    me = worker_identity()
    key = f"{ASKING_PREFIX}{me['host']}:{me['pid']}:{me['started']}"
    study.set_user_attr(key, me)
    try:
        yield
    finally:
        study.set_user_attr(key, None)


def _someone_asking(study) -> bool:
    return any(key.startswith(ASKING_PREFIX) and value and _alive(value) and value.get("pid") != os.getpid()
               for key, value in study.user_attrs.items())


def fail_dead_trials(study) -> list[int]:
    """Mark RUNNING trials whose command died as failed, queue their parameters again; their numbers."""
    from optuna.trial import TrialState as Told

    failed = []
    running = study.get_trials(deepcopy=False, states=(Told.RUNNING,))
    # read after the trials: a command that asked one of them and is still recording itself shows here
    asking_now = _someone_asking(study) if any(WORKER_ATTR not in t.user_attrs for t in running) else False
    for frozen in running:
        worker = frozen.user_attrs.get(WORKER_ATTR)
        if worker is None:
            frozen = reread(study, frozen)  # it may have recorded itself meanwhile
            worker = frozen.user_attrs.get(WORKER_ATTR)
            if frozen.state != Told.RUNNING or (worker is None and asking_now):
                continue
        if worker is not None and _alive(worker):
            continue
        why = (f"the command running it (pid {worker.get('pid')} on {worker.get('host')}) died" if worker else
               "the command that asked for it died before starting it")
        try:
            trial_of(study, frozen).set_user_attr("error", why)
            study.tell(frozen.number, state=Told.FAIL)
        except (RuntimeError, ValueError):  # another command got there first
            continue
        if frozen.params:  # killed before drawing its parameters: there is nothing to retry
            study.enqueue_trial(frozen.params, user_attrs={"ginpipe_retry_of": frozen.number})
        failed.append(frozen.number)
    if failed:
        logger.warning(f"trial(s) {', '.join(map(str, failed))} were running when their command died: marked"
                       " failed, and retried as new trials")
    return failed


def counts(study) -> dict[TrialState, int]:
    """Trials by state: complete, pruned, failed, running, waiting (queued again, for the next ask)."""
    found = dict.fromkeys(TrialState, 0)
    for t in study.get_trials(deepcopy=False):
        state = state_of(t)
        if state is not TrialState.FAILED or not t.user_attrs.get(SURPLUS_ATTR):
            found[state] += 1
    return found


def state_of(frozen) -> TrialState:
    """An optuna trial's state in ginpipe's words (trial.json, study.json): optuna's name, lower case,
    and FAIL as "failed"."""
    return TrialState.FAILED if frozen.state.name == "FAIL" else TrialState(frozen.state.name.lower())


def redact(url: str) -> str:
    """The storage URL without its password, for messages and study.json."""
    return shown(url)
