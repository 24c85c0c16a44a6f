"""Folders removed whole or not at all: renamed into a marked trash folder, then deleted there.

`shutil.rmtree` deletes file by file, so a process killed halfway leaves a folder that is neither
there nor gone (an experiment without its config.gin and run.json, still marked). Renaming is one
atomic step: the folder is complete where it was, or it is in `.ginpipe-trash/` beside it, which
only ginpipe writes (its marker file says so) and which a later `ginpipe gc` empties.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path

__all__ = ["TRASH", "TRASH_MARKER", "discard", "is_trash", "trash_entries", "empty_trash", "finish"]

TRASH = ".ginpipe-trash"
TRASH_MARKER = ".ginpipe-trash-marker"  # inside TRASH: a folder of that name without it is not ours


def is_trash(folder: Path) -> bool:
    """`folder` is a trash folder ginpipe made (a real folder holding its marker file, no links)."""
    folder = Path(folder)
    marker = folder / TRASH_MARKER
    return (folder.name == TRASH and folder.is_dir() and not folder.is_symlink()
            and marker.is_file() and not marker.is_symlink())


def discard(path: Path, trash_parent: Path | None = None) -> None:
    """Move `path` into the trash of `trash_parent` (default: its own folder) in one rename, then
    delete it there. A kill at any moment leaves `path` whole, or gone from sight."""
    path = Path(path)
    trash = Path(trash_parent if trash_parent is not None else path.parent) / TRASH
    marker = trash / TRASH_MARKER
    try:
        trash.mkdir(exist_ok=True)
        if not marker.is_file():
            marker.write_text(json.dumps({"ginpipe": "trash"}) + "\n")
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        _delete(path)  # a full disk has no room for the trash folder: freeing space comes first
        try:  # the marker was being written just now (it may be there, empty): undo both
            marker.unlink(missing_ok=True)
            trash.rmdir()
        except OSError:  # another gc is filling it: that one finishes it
            pass
        return
    target = trash / f"{path.name}-{os.getpid()}-{time.time_ns()}"
    os.rename(path, target)
    _delete(target)
    empty_trash(trash)


def trash_entries(trash: Path) -> list[Path]:
    """What a marked trash folder still holds (left by a removal that was killed)."""
    return sorted(p for p in Path(trash).iterdir() if p.name != TRASH_MARKER) if is_trash(trash) else []


def empty_trash(trash: Path) -> None:
    """Delete what a marked trash folder holds, then the folder itself (another process may be
    emptying it too: what is gone meanwhile is fine)."""
    for entry in trash_entries(trash):
        _delete(entry)
    _drop_if_empty(Path(trash))


def finish(entry: Path) -> None:
    """Delete one entry a killed removal left in a trash folder (and the folder, once empty)."""
    _delete(Path(entry))
    _drop_if_empty(Path(entry).parent)


def _drop_if_empty(trash: Path) -> None:
    try:
        if not trash_entries(trash):
            (trash / TRASH_MARKER).unlink()
            trash.rmdir()
    except OSError:  # emptied and removed by another gc, or refilled meanwhile: the next gc finishes
        pass


def _delete(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        try:
            shutil.rmtree(entry)
        except FileNotFoundError:  # another gc emptying the same trash took it first
            pass
    else:
        entry.unlink(missing_ok=True)
