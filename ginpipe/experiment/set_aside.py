"""Outputs ginpipe set aside in an experiment (a changed fit's checkpoints and logs), and the record
of them that `ginpipe gc` reads.

gc removes a folder of an experiment only when this record names it: never because of how its name
looks (a task's own `report-20241201/` is a result, whatever its name). The record,
`.ginpipe-set-aside.json`, lists paths relative to the experiment; it is written after the rename,
so a kill in between leaves a folder that gc keeps, never a name that gc could take for another.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..files import read_json, write_json
from .folder_safety import check_removable
from .trash import discard

__all__ = ["SET_ASIDE_RECORD", "set_aside", "recorded_set_aside", "forget_set_aside"]

SET_ASIDE_RECORD = ".ginpipe-set-aside.json"


def set_aside(folder: str | os.PathLike, name: str) -> Path:
    """Move `folder` (inside a marked experiment) to `name` beside it and record that ginpipe did.

    An earlier folder set aside under `name` is replaced; a folder of that name that ginpipe did not
    set aside is kept, and `name-2` (or the next free one) is used instead. Returns the new path.

    Raises:
        ExperimentError: `folder` is not inside an experiment ginpipe created.
    """
    folder = Path(folder)
    experiment = check_removable(folder)
    recorded = set(_entries(experiment))
    aside, n = folder.with_name(name), 1
    while os.path.lexists(aside) and _relative(experiment, aside) not in recorded:
        n += 1
        aside = folder.with_name(f"{name}-{n}")
    if os.path.lexists(aside):  # an earlier set-aside of this very configuration
        discard(aside, experiment)
    folder.rename(aside)
    _write(experiment, sorted(recorded | {_relative(experiment, aside)}))
    return aside


def recorded_set_aside(experiment: Path) -> list[Path]:
    """The folders of `experiment` ginpipe set aside that are still there (real folders, inside it)."""
    experiment = Path(experiment)
    root = os.path.realpath(experiment)
    found = []
    for entry in _entries(experiment):
        path = experiment / entry
        if (path.is_dir() and not path.is_symlink() and ".." not in Path(entry).parts
                and os.path.realpath(path).startswith(root + os.sep)):
            found.append(path)
    return found


def forget_set_aside(experiment: Path, removed: list[Path]) -> None:
    """Drop removed folders from the record (the experiment's lock is held by the caller)."""
    gone = {_relative(experiment, p) for p in removed}
    entries = _entries(experiment)
    if gone & set(entries):
        _write(experiment, [e for e in entries if e not in gone])


def _relative(experiment: Path, path: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(experiment))).as_posix()


def _entries(experiment: Path) -> list[str]:
    """The record's paths; an unreadable or malformed record names nothing (gc then removes nothing)."""
    try:
        data = read_json(Path(experiment) / SET_ASIDE_RECORD, {})
    except (OSError, ValueError):  # unreadable, or not text
        return []
    entries = data.get("set_aside") if isinstance(data, dict) else None
    return [e for e in entries if isinstance(e, str) and e] if isinstance(entries, list) else []


def _write(experiment: Path, entries: list[str]) -> None:
    write_json(Path(experiment) / SET_ASIDE_RECORD, {"set_aside": entries}, durable=False,
               tmp_dir=Path(experiment) / ".tmp")
