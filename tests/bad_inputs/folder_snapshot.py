"""`Snapshot`: every file under a folder with the SHA-256 of its bytes, to prove nothing changed."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["Snapshot"]


class Snapshot:
    """Every file under a folder (hidden ones included), with the SHA-256 of its bytes.

    `excluding`: folders (relative or absolute) whose content may change, e.g. the experiment a
    case writes; Python's `__pycache__` folders are always left out (the interpreter writes them).
    Links are recorded as links (their target), never followed.
    """

    def __init__(self, folder: Path, excluding=()):
        self.folder = Path(folder)
        self.excluding = [Path(os.path.abspath(self.folder / e)) for e in excluding]
        self.files = self._take()

    def _take(self) -> dict[str, str]:
        files = {}
        for root, dirs, names in os.walk(self.folder, followlinks=False):
            here = Path(root)
            dirs[:] = [d for d in dirs if d != "__pycache__" and not self._excluded(here / d)]
            for name in [*dirs, *names]:
                path = here / name
                if not self._excluded(path):
                    files[str(path.relative_to(self.folder))] = _digest(path)
        return files

    def _excluded(self, path: Path) -> bool:
        path = Path(os.path.abspath(path))
        return any(path == e or e in path.parents for e in self.excluding)

    def changes(self) -> list[str]:
        """Files added, removed or changed since the snapshot (empty when not one byte changed)."""
        now = self._take()
        return sorted({*self.files, *now} - {k for k in self.files if now.get(k) == self.files[k]})

    def lost(self) -> list[str]:
        """Files that were there and are gone or changed (additions are not losses)."""
        now = self._take()
        return sorted(k for k, v in self.files.items() if now.get(k) != v)

    def lost_bytes(self) -> int:
        return sum((self.folder / k).stat().st_size if (self.folder / k).is_file() else 0
                   for k in self.lost())


def _digest(path: Path) -> str:
    if path.is_symlink():
        return "<link> " + os.readlink(path)
    if path.is_dir():
        return "<folder>"
    return hashlib.sha256(path.read_bytes()).hexdigest()
