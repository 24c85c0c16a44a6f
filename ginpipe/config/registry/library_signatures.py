"""Signatures of installed libraries' objects, kept between runs so that checking a config imports nothing.

The first run that names `torch.optim.AdamW` imports torch to read its signature; later runs read the
record from `~/.cache/ginpipe/signatures/` (or `$GINPIPE_CACHE_DIR/signatures/`). A record is used
only while nothing that could change it has changed: it names the distribution that installed the
module and its version, and the size and modification time (ns) of every file it was read from.
An upgrade, a reinstall or an edited file makes the record stale, and a stale record is never read:
the object is imported again and the record rewritten. Modules that no distribution installed are
never cached.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from ...files import write_json

__all__ = ["SignatureCache", "cache_folder"]

FORMAT = 1  # bump when what a record holds changes


def cache_folder() -> Path:
    base = os.environ.get("GINPIPE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ginpipe")
    return Path(base) / "signatures"


class SignatureCache:
    """Records keyed by (kind, dotted name), each valid only for the files and version it names."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or cache_folder()
        self._versions: dict[str, str | None] = {}  # per cache object (one run): an upgrade is seen next run

    def get(self, kind: str, name: str):
        """The payload stored for `name`, or None when there is none or it may be stale."""
        try:
            record = json.loads(self._path(kind, name).read_text())
        except (OSError, ValueError):
            return None
        if (record.get("format") != FORMAT or record.get("name") != name or record.get("kind") != kind
                or record.get("python") != sys.version or not self._current(record)):
            return None
        return record["payload"]

    def put(self, kind: str, name: str, payload, files) -> None:
        """Store `payload`, valid while the distribution owning `files[0]` and every file are unchanged."""
        files = sorted({os.path.realpath(f) for f in files if f})
        distribution = distribution_of(files[0]) if files else None
        if distribution is None:
            return  # not installed by a distribution: nothing says when it changes
        try:
            stats = {f: _stat(f) for f in files}
        except OSError:
            return
        record = {"format": FORMAT, "kind": kind, "name": name, "python": sys.version,
                  "distribution": distribution[0], "version": distribution[1], "files": stats,
                  "payload": payload}
        try:
            write_json(self._path(kind, name), record, durable=False)
        except OSError:
            pass  # a read-only home: the next run imports again

    def _path(self, kind: str, name: str) -> Path:
        import hashlib  # here: a run whose config names no library need not load OpenSSL

        return self.folder / f"{kind}-{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"

    def _current(self, record: dict) -> bool:
        name = record["distribution"]
        if name not in self._versions:
            self._versions[name] = installed_version(name)
        if self._versions[name] != record["version"]:
            return False
        try:
            return all(_stat(f) == list(stat) for f, stat in record["files"].items())
        except OSError:
            return False


def _stat(file: str) -> list[int]:
    s = os.stat(file)
    return [s.st_mtime_ns, s.st_size]


def installed_version(distribution: str) -> str | None:
    import importlib.metadata
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def distribution_of(file: str) -> tuple[str, str] | None:
    """(distribution name, version) that installed the top-level package of `file`, if any."""
    top = _top_level_name(file)
    if top is None:
        return None
    names = _packages_distributions().get(top)
    if names is None:  # installed since this process first asked
        _packages_distributions.cache_clear()
        names = _packages_distributions().get(top) or []
    for name in names:
        version = installed_version(name)
        if version is not None:
            return name, version
    return None


@lru_cache(maxsize=1)
def _packages_distributions() -> Mapping[str, list[str]]:
    """Import name -> distributions (read once per process: it reads every installed RECORD). Only a
    record's distribution *name* comes from here; its validity is its version, read every run."""
    import importlib.metadata
    return importlib.metadata.packages_distributions()


def _top_level_name(file: str) -> str | None:
    """The top-level import name whose folder (or file) on sys.path holds `file`."""
    real = os.path.realpath(file)
    # the longest sys.path entry holding it: a virtual environment inside the project folder
    # (on sys.path as '') is the library's home, not the project's
    bases = [os.path.realpath(entry or os.getcwd()) + os.sep for entry in sys.path]
    holding = [b for b in bases if real.startswith(b)]
    if not holding:
        return None
    first = real[len(max(holding, key=len)):].split(os.sep)[0]
    return first.removesuffix(".py") or None
