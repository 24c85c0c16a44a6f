"""Fingerprints of the files and folders a task reads: what its cache key covers of the data on disk.

A task's key covers the code and the bindings of every configurable it used (`task_keys`); the data
those bindings name is on disk, outside the config. This module reads it as make and DVC do, from
the file system's listing alone (names, sizes, modification times), never a file's bytes: a folder
of 100,000 clips is one `stat` per file, not one read.

Which bindings name data (the rule docs/caching.md states): an argument named `path`, `root`, `dir`,
`directory`, `file`, `folder` (or a plural), or ending in `_path`, `_root`, `_dir`, ... (`audio_root`,
`cache_dir`, `manifest_path`), whose value is a string or a list of strings. Each string is a path
relative to the working folder (or absolute, or `~`). Project code declares what it opens by a
computed name with `ginpipe.io.declare_input` (`declared`).

What a listing leaves out: names starting with a dot (`.DS_Store`, an atomic write's temporary
file), folders ginpipe marked as caches or experiments (their names hash what made them, and they
grow while experiments run), and the working folder itself or one above it (a binding `'.'` is no
dataset: it holds the experiments). Symbolic links are followed, once each.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..config.text.values import MacroRef, walk
from .fingerprint import digest

__all__ = ["Listing", "DataFingerprints", "binding_paths", "is_path_argument", "describe_change"]

_PATH_ARGUMENT = re.compile(r"(^|_)(path|root|dir|directory|file|folder)s?$", re.IGNORECASE)
# `experiment.folder_safety`'s markers (a layer above this one): such folders are not data.
_MARKERS = (".ginpipe-cache", ".ginpipe-experiment")
_MAX_FOLDERS = 500  # folders summarised one by one in a record; beyond, the whole tree is one line
ABSENT = "absent"


def is_path_argument(arg: str) -> bool:
    """Whether an argument's name says it holds a path (`root`, `audio_root`, `cache_dir`, ...)."""
    return bool(_PATH_ARGUMENT.search(arg))


def binding_paths(config, selectors: Iterable[str]) -> list[str]:
    """The paths the bindings of `selectors` name (see the module docstring), macros followed."""
    wanted = set(selectors)
    found = []
    for b in config.bindings:
        if b.is_macro or b.selector not in wanted or not is_path_argument(b.arg):
            continue
        for leaf in walk(_substituted(b.value, config.macros)):
            if isinstance(leaf, str) and leaf.strip():
                found.append(leaf)
    return sorted(set(found))


def _substituted(value, macros: dict, depth: int = 0):
    while isinstance(value, MacroRef) and value.name in macros and depth < 50:
        value, depth = macros[value.name], depth + 1
    if isinstance(value, (list, tuple)):
        return [_substituted(v, macros, depth + 1) for v in value]
    return value


@dataclass(frozen=True)
class Listing:
    """One path's fingerprint: its digest, and per folder (relative, "" for the path itself) the
    number of files directly in it and their digest, so that a plan can say where the data changed."""

    digest: str
    folders: dict[str, tuple[int, str]]
    kind: str  # "folder", "file" or ABSENT

    def to_json(self) -> dict:
        return {"digest": self.digest, "kind": self.kind, "folders": {k: list(v) for k, v in self.folders.items()}}


class DataFingerprints:
    """Listings of one run, each taken once until a task runs (a task may write where others read)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(os.path.realpath(root or Path.cwd()))
        self._known: dict[str, Listing | None] = {}

    def forget(self) -> None:
        self._known.clear()

    def of(self, paths: Iterable[str]) -> dict[str, Listing]:
        """path (as the config or the code named it) -> its listing; paths that are not data left out."""
        out = {}
        for name in sorted(set(paths)):
            if name not in self._known:
                self._known[name] = self._listing(name)
            listing = self._known[name]
            if listing is not None:
                out[name] = listing
        return out

    def _listing(self, name: str) -> Listing | None:
        try:
            path = Path(os.path.realpath(Path(name).expanduser()))
        except (OSError, ValueError):  # a NUL byte, a name too long: not a path
            return None
        if path == self.root or path in self.root.parents:
            return None
        try:
            info = path.stat()
        except (OSError, ValueError):
            return Listing(ABSENT, {}, ABSENT)
        if not path.is_dir():
            entry = f"{info.st_size}\0{info.st_mtime_ns}"
            return Listing(digest("file", entry), {"": (1, digest(entry))}, "file")
        if _marked(path):
            return None
        folders: dict[str, tuple[int, str]] = {}
        _walk(path, "", folders, {(info.st_dev, info.st_ino)})
        whole = digest("folder", *[f"{k}\0{n}\0{d}" for k, (n, d) in sorted(folders.items())])
        if len(folders) > _MAX_FOLDERS:
            folders = {"": (sum(n for n, _ in folders.values()), whole)}
        return Listing(whole, folders, "folder")


def _marked(folder: Path | str) -> bool:
    return any(os.path.isfile(os.path.join(folder, m)) for m in _MARKERS)


def _walk(folder: Path | str, relative: str, folders: dict, seen: set) -> None:
    """Record `folder`'s files (name, size, mtime) under `relative`, then its sub-folders'."""
    files, below = [], []
    try:
        entries = list(os.scandir(folder))
    except OSError as e:  # unreadable: its error is part of the fingerprint, and the task will say
        folders[relative] = (0, digest("unreadable", e.__class__.__name__))
        return
    for entry in entries:  # one stat per file: the whole cost (a plain loop: 100,000 files in one)
        name = entry.name
        if name[0] == ".":
            continue
        try:
            if entry.is_dir():
                info = entry.stat()
                if (info.st_dev, info.st_ino) not in seen and not _marked(entry.path):
                    seen.add((info.st_dev, info.st_ino))
                    below.append(entry)
                continue
            info = entry.stat()
        except OSError:  # a dangling link: named, without a size
            files.append((name, -1, 0))
            continue
        files.append((name, info.st_size, info.st_mtime_ns))
    files.sort()
    folders[relative] = (len(files), digest("\n".join(map(repr, files))) if files else "")
    below.sort(key=lambda e: e.name)
    for entry in below:
        _walk(entry.path, f"{relative}/{entry.name}" if relative else entry.name, folders, seen)


def describe_change(name: str, before: dict | None, after: dict | None) -> str:
    """`sounds/siren (+5 files)`: where a listing changed, from two `Listing.to_json()`s."""
    before, after = before or {"kind": ABSENT, "folders": {}}, after or {"kind": ABSENT, "folders": {}}
    if before.get("kind") != after.get("kind"):
        what = {ABSENT: "removed", "file": "now a file", "folder": "now a folder"}[after.get("kind", ABSENT)] \
            if before.get("kind") != ABSENT else "created"
        return f"{name} ({what})"
    if after.get("kind") == "file":
        return f"{name} (modified)"
    old, new = before.get("folders", {}), after.get("folders", {})
    found = []
    for folder in sorted(set(old) | set(new)):
        shown = f"{name.rstrip('/')}/{folder}" if folder else name
        if folder not in old:
            count = new[folder][0]
            found.append(f"{shown} (new folder, {count} file{'' if count == 1 else 's'})")
        elif folder not in new:
            found.append(f"{shown} (folder removed)")
        elif old[folder] != new[folder]:
            added = new[folder][0] - old[folder][0]
            files = "file" if abs(added) == 1 else "files"
            found.append(f"{shown} ({added:+d} {files})" if added else f"{shown} (files replaced or touched)")
    if not found:
        return f"{name} (files changed)"
    return ", ".join(found[:3]) + (f" and {len(found) - 3} more folders" if len(found) > 3 else "")
