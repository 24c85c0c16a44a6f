"""`Snapshot`: every file under a folder with the SHA-256 of its bytes, to prove nothing changed."""
from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["Snapshot"]


class Snapshot:
    """Every file under a folder (hidden ones included), with the SHA-256 of its bytes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = {str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*"))}

    def changes(self) -> list[str]:
        """Files added, removed or changed since the snapshot (empty when not one byte changed)."""
        now = Snapshot(self.folder).files
        return sorted({*self.files, *now} - {k for k in self.files if now.get(k) == self.files[k]})


def _digest(path: Path) -> str:
    if path.is_dir():
        return "<folder>"
    return hashlib.sha256(path.read_bytes()).hexdigest()
