"""`ginpipe gc DIR`: remove what no experiment uses any more, and say how many bytes that freed.

Under DIR (the project folder, holding the experiments and their data) it finds, by their markers:

* shared caches (`.ginpipe-cache`: feature caches, generated datasets) whose name no kept
  experiment's state mentions (`references`);
* the outputs a changed fit set aside in an experiment (`checkpoints-<hash>`, `logs/training-<hash>`,
  ...), unless the experiment's state still mentions them;
* with `--failed-older-than AGE`, whole failed or interrupted experiments older than AGE.

It never prompts and never removes what it did not write (a folder without its marker), what a kept
experiment's state mentions (so each finished experiment reruns fully cached afterwards), nor any
part of an experiment a live run holds (its lock); while one runs, caches are left alone too (that
run may be filling one its state does not name yet). `--dry-run` lists the same and removes nothing.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, ExperimentError
from ..experiment.folder_safety import CACHE_MARKER, MARKER, cache_kind, check_removable, is_marked
from ..experiment.run_state import read_run_state
from .references import mentioned

__all__ = ["Removal", "plan_gc", "gc_command", "parse_age"]

_SET_ASIDE = re.compile(r"^(.+)-[0-9a-f]{8}$")  # what fit_model moves aside: checkpoints-<hash>, training-<hash>
_SKIPPED = {"node_modules", "__pycache__"}  # and hidden folders (.venv, .git): never experiments or caches


@dataclass(frozen=True)
class Removal:
    path: Path
    why: str
    size: int  # bytes freed: files with no other hard link


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


def _find(root: Path) -> tuple[list[Path], list[Path]]:
    """Marked experiments and marked caches under `root` (neither is searched inside)."""
    experiments, caches = [], []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        if MARKER in files and is_marked(here):
            experiments.append(here)
            dirs.clear()
        elif CACHE_MARKER in files and cache_kind(here):
            caches.append(here)
            dirs.clear()
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED)
    return experiments, caches


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


def _set_aside(experiment: Path) -> list[Path]:
    found = []
    for parent in (experiment, experiment / "logs"):
        if parent.is_dir():
            found += [p for p in sorted(parent.iterdir())
                      if p.is_dir() and not p.is_symlink() and _SET_ASIDE.match(p.name)]
    return found


def plan_gc(root: Path, failed_older_than: float | None = None) -> Plan:
    """What `ginpipe gc root` removes (nothing is touched here)."""
    experiments, caches = _find(root)
    removals, notes, kept = [], [], []
    running = False
    for experiment in experiments:
        state = read_run_state(experiment)
        if state.state == "running":
            running = True
            kept.append(experiment)
            notes.append(f"{experiment}: running (pid {state.pid}), left alone")
        elif (failed_older_than is not None and state.state in ("failed", "interrupted")
              and state.age_s is not None and state.age_s >= failed_older_than):
            removals.append(Removal(experiment, f"{state.state} experiment, {state.describe_age()}", _size(experiment)))
        else:
            kept.append(experiment)
    for experiment in kept:
        if read_run_state(experiment).state == "running":
            continue
        aside = _set_aside(experiment)
        still_used = mentioned(experiment, {p.name for p in aside}) if aside else set()
        removals += [Removal(p, "set aside by a changed fit", _size(p)) for p in aside if p.name not in still_used]
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
        removals += [Removal(c, f"{cache_kind(c)} no experiment uses", _size(c)) for c in caches if c.name not in used]
    return Plan(removals, notes)


def _remove(removal: Removal) -> None:
    path = removal.path
    if is_marked(path):  # a whole experiment: it is removable only while no run holds it
        if read_run_state(path).state == "running":
            raise ExperimentError(f"{path} started running meanwhile; left alone.")
    elif cache_kind(path) is None:
        check_removable(path)  # set-aside outputs: only inside a marked experiment
    shutil.rmtree(path)


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
            _remove(removal)
        freed += removal.size
        print(f"{'would remove' if dry_run else 'removed'}  {removal.path}  ({removal.why}, {_bytes(removal.size)})")
    count = f"{len(plan.removals)} folder{'s' * (len(plan.removals) != 1)}"
    print(f"dry run: would free {_bytes(freed)} ({count}); nothing was removed" if dry_run
          else f"freed {_bytes(freed)} ({count})")
    return 0
