"""Shared cache folders (a feature cache, a generated dataset) and the experiments that use them.

A cache carries `.ginpipe-cache` (its kind) and, in `.ginpipe-users/`, one small record per
experiment that marked it while running, holding that experiment's absolute path. `ginpipe gc DIR`
reads the records to find every user, wherever it lives (an `--output-dir` outside DIR too), and
keeps the cache while one of them still exists and uses it.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

__all__ = ["CACHE_MARKER", "USERS", "mark_cache", "cache_kind", "cache_users", "active_experiment",
           "set_active_experiment"]

# In a cache folder that experiments share: `ginpipe gc` may remove such a folder once no experiment
# uses it, and never a folder without it.
CACHE_MARKER = ".ginpipe-cache"
USERS = ".ginpipe-users"

_active: Path | None = None  # the experiment this process is running (set while its folder is open)


def set_active_experiment(folder: Path | None) -> None:
    """The experiment whose run this process is executing (None once it closed)."""
    global _active
    _active = Path(os.path.abspath(folder)) if folder is not None else None


def active_experiment() -> Path | None:
    return _active


def mark_cache(folder: str | os.PathLike, kind: str) -> None:
    """Mark `folder` as a cache ginpipe's project code wrote, of `kind` ("feature cache", ...), and
    record the running experiment as one of its users.

    The folder's name must be unique to its content (a hash of its settings): an experiment uses the
    cache when its saved state mentions that name.
    """
    from ..files import write_text

    folder = Path(folder)
    marker = folder / CACHE_MARKER
    if not marker.is_file():
        write_text(marker, json.dumps({"ginpipe": "cache", "kind": kind}) + "\n", durable=False)
    user = active_experiment()
    if user is not None:
        text = json.dumps({"experiment": str(user)}) + "\n"
        record = folder / USERS / (hashlib.sha1(str(user).encode()).hexdigest()[:16] + ".json")
        try:
            known = record.read_text() == text
        except OSError:
            known = False
        if not known:  # one write per experiment and cache, not one per run
            try:
                write_text(record, text, tmp_dir=folder / USERS, durable=False)
            except PermissionError:  # a cache shared read-only: no gc can remove it either
                pass
            except OSError as e:
                if e.errno != errno.EROFS:
                    raise


def cache_kind(folder: Path) -> str | None:
    """The kind of cache `folder` was marked as, or None when it is not a marked cache (or a link)."""
    marker = Path(folder) / CACHE_MARKER
    if Path(folder).is_symlink() or marker.is_symlink() or not marker.is_file():
        return None
    try:
        return str(json.loads(marker.read_text()).get("kind") or "cache")
    except (OSError, ValueError, AttributeError):
        return "cache"


def cache_users(folder: Path) -> tuple[list[Path], bool]:
    """The experiments recorded as users of the cache, and whether every record could be read (a
    record that cannot is a user gc cannot rule out)."""
    users, readable = [], True
    records = Path(folder) / USERS
    if not records.is_dir() or records.is_symlink():
        return [], True
    for record in sorted(records.glob("*.json")):
        try:
            path = json.loads(record.read_text()).get("experiment")
        except (OSError, ValueError, AttributeError):
            path = None
        if isinstance(path, str) and os.path.isabs(path):
            users.append(Path(path))
        else:
            readable = False
    return users, readable
