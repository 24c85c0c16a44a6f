"""`ginpipe gc DIR`: remove what no experiment uses any more, and say how many bytes that freed.

Under DIR (the project folder, holding the experiments and their data) it finds, by their markers:

* shared caches (`.ginpipe-cache`: feature caches, generated datasets) that no experiment uses: none
  of the experiments under DIR, nor any experiment the cache recorded as a user wherever it lives
  (`--output-dir` elsewhere), still exists with a state that mentions the cache (`references`);
* the outputs ginpipe recorded that it set aside in an experiment (`set_aside`: a changed fit's
  `checkpoints-<hash>`, `logs/training-<hash>`), unless the experiment's state still mentions them;
  never a folder because of how its name looks;
* what an interrupted gc left in a trash folder (`.ginpipe-trash`);
* with `--failed-older-than AGE`, whole failed or interrupted experiments older than AGE.

It never prompts and never removes what it did not write (a folder without its marker or record),
what a kept experiment's state mentions (so each finished experiment reruns fully cached afterwards),
nor any part of an experiment a live run holds (its lock); while one runs, caches are left alone too
(that run may be filling one its state does not name yet). Each folder goes in one rename into a
trash folder beside it, then is deleted there (`trash`), so a gc killed midway leaves no
half-removed experiment. A folder whose run.json cannot be read is named and kept. `--dry-run`
lists the same and removes nothing.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, ExperimentError
from ..experiment.caches import CACHE_MARKER, cache_kind, cache_users
from ..experiment.folder_safety import MARKER, is_marked
from ..experiment.lock import FolderLock
from ..experiment.folder_status import read_folder_status
from ..experiment.statuses import RunStatus
from ..experiment.set_aside import forget_set_aside, recorded_set_aside
from ..experiment.trash import TRASH, discard, finish, is_trash, trash_entries
from .references import mentioned

__all__ = ["Removal", "plan_gc", "gc_command", "parse_age"]

_SKIPPED = {"node_modules", "__pycache__"}  # and hidden folders (.venv, .git): never experiments or caches


@dataclass(frozen=True)
class Removal:
    path: Path
    why: str
    size: int  # bytes freed: files with no other hard link
    kind: str = "cache"  # cache / experiment / set aside / trash
    experiment: Path | None = None  # the experiment a set-aside folder belongs to


@dataclass
class Plan:
    removals: list[Removal]
    notes: list[str]  # what is left alone, and why


def parse_age(text: str) -> float:
    """Seconds in `30min`, `12h`, `7d`, `90s` or a plain number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d)?\s*", text)
    if not match:
        raise ConfigError(f"--failed-older-than {text!r} is not an age.", hint="Write e.g. 7d, 12h, 30min or 90s.")
    return float(match[1]) * {"s": 1, None: 1, "min": 60, "m": 60, "h": 3600, "d": 86400}[match[2]]


def _find(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Marked experiments, marked caches (neither searched inside) and trash folders under `root`."""
    experiments, caches, trash = [], [], []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        if MARKER in files and is_marked(here):
            experiments.append(here)
            trash += [here / TRASH] if is_trash(here / TRASH) else []
            dirs.clear()
        elif CACHE_MARKER in files and cache_kind(here):
            caches.append(here)
            dirs.clear()
        else:
            trash += [here / d for d in dirs if d == TRASH and is_trash(here / d)]
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED)
    return experiments, caches, trash


def _size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path, followlinks=False):
        for name in files:
            try:
                stat = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if stat.st_nlink <= 1:  # a hard link elsewhere (a restored state file) keeps the data
                total += stat.st_size
    return total


def plan_gc(root: Path, failed_older_than: float | None = None) -> Plan:
    """What `ginpipe gc root` removes (nothing is touched here)."""
    experiments, caches, trash = _find(root)
    removals, notes, kept = [], [], []
    running = set()
    for experiment in experiments:
        status = read_folder_status(experiment)
        if status.problem:
            kept.append(experiment)
            notes.append(f"{experiment}: {status.problem}; left alone")
        elif status.status is RunStatus.RUNNING:
            running.add(experiment)
            kept.append(experiment)
            notes.append(f"{experiment}: running (pid {status.pid}), left alone")
        elif (failed_older_than is not None and status.status in (RunStatus.FAILED, RunStatus.INTERRUPTED)
              and status.age_s is not None and status.age_s >= failed_older_than):
            removals.append(Removal(experiment, f"{status.status} experiment, {status.describe_age()}",
                                    _size(experiment), "experiment"))
        else:
            kept.append(experiment)
    for experiment in kept:
        if experiment in running:
            continue
        aside = recorded_set_aside(experiment)
        still_used = mentioned(experiment, {p.name for p in aside}) if aside else set()
        removals += [Removal(p, "set aside by a changed fit", _size(p), "set aside", experiment)
                     for p in aside if p.name not in still_used]
    for folder in trash:
        if folder.parent not in running:
            removals += [Removal(p, "left by an interrupted gc", _size(p), "trash") for p in trash_entries(folder)]
    if caches and running:
        notes.append("caches are left alone while an experiment runs (it may be filling one)")
    elif caches and not experiments:
        raise ExperimentError(f"No experiment under {root}: every cache there would look unused.",
                              hint="Pass a folder that holds the experiments too (the project folder, or one above"
                                   " the experiments and the data); with no experiment anywhere, nothing uses them.")
    elif caches:
        names = {c.name for c in caches}
        used: set[str] = set()
        for experiment in kept:
            used |= mentioned(experiment, names - used)
        seen = {os.path.realpath(e) for e in experiments}
        for cache in caches:
            if cache.name in used:
                continue
            user = _user_elsewhere(cache, seen)
            if user is not None:
                notes.append(f"{cache}: {user}")
            else:
                removals.append(Removal(cache, f"{cache_kind(cache)} no experiment uses", _size(cache)))
    return Plan(removals, notes)


def _user_elsewhere(cache: Path, seen: set[str]) -> str | None:
    """Why a recorded user outside the experiments gc looked at keeps `cache` (None: none does)."""
    users, readable = cache_users(cache)
    if not readable:
        return "a record of its users cannot be read, kept"
    for user in _with_siblings(users):
        if os.path.realpath(user) in seen or not is_marked(user):  # looked at above, or gone
            continue
        status = read_folder_status(user)
        if status.status is RunStatus.RUNNING:
            return f"used by {user}, running (pid {status.pid})"
        if status.problem or cache.name in mentioned(user, {cache.name}):
            return f"used by {user}"
    return None


def _with_siblings(users: list[Path]) -> list[Path]:
    """The recorded users and the experiments beside them: a run takes a sibling's finished tasks
    (by hard links) without running them, so it uses the caches they marked without marking them."""
    found = list(dict.fromkeys(users))
    for parent in dict.fromkeys(user.parent for user in users):
        try:
            found += sorted(p for p in parent.iterdir() if p not in found and p.is_dir() and not p.is_symlink())
        except OSError:  # gone, or not readable: nothing there can be looked at
            continue
    return found


def _remove(removal: Removal) -> None:
    """Remove one folder whole: renamed into a trash folder, then deleted there (`trash`)."""
    path = removal.path
    if removal.kind == "trash":
        finish(path)  # already out of sight: deleting it in place is safe
        return
    if removal.kind == "cache":
        discard(path)
        return
    experiment = path if removal.kind == "experiment" else removal.experiment
    assert experiment is not None  # a set-aside folder's removal names its experiment
    lock = FolderLock(experiment)  # no run may start in it while a part of it goes
    try:
        lock.acquire()
    except ExperimentError:
        raise ExperimentError(f"{experiment} started running meanwhile; {path} was left alone.",
                              hint="Run `ginpipe gc` again once it ended.") from None
    try:
        if removal.kind == "experiment":
            discard(path)
        else:
            discard(path, experiment)
            forget_set_aside(experiment, [path])
    finally:
        lock.release()


def _bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def gc_command(root: str, dry_run: bool = False, failed_older_than: str | None = None) -> int:
    """What `ginpipe gc` does: list, remove (unless `dry_run`) and print the bytes freed."""
    folder = Path(root)
    if not folder.is_dir():
        raise ExperimentError(f"{root} is not a folder.", hint="Pass the project folder, e.g. `ginpipe gc .`.")
    plan = plan_gc(folder, parse_age(failed_older_than) if failed_older_than is not None else None)
    for note in plan.notes:
        print(f"keep    {note}")
    freed = 0
    for removal in plan.removals:
        if not dry_run:
            try:
                _remove(removal)
            except OSError as e:  # read-only, not ours to write, ...: say which folder, stop there
                raise ExperimentError(f"Cannot remove {removal.path}: {e.strerror or e}"
                                      f"{f' ({e.filename})' if e.filename else ''}.",
                                      hint="Make it writable (or run gc as its owner), then run gc again;"
                                           " what was removed so far is gone whole.") from None
        freed += removal.size
        print(f"{'would remove' if dry_run else 'removed'}  {removal.path}  ({removal.why}, {_bytes(removal.size)})")
    count = f"{len(plan.removals)} folder{'s' * (len(plan.removals) != 1)}"
    print(f"dry run: would free {_bytes(freed)} ({count}); nothing was removed" if dry_run
          else f"freed {_bytes(freed)} ({count})")
    return 0
