"""An on-disk feature cache keyed by (file content, extractor settings and code), shared by experiments.

Layout: `<root>/<settings hash>/settings.json` and `<root>/<settings hash>/<aa>/<content hash>.npy`.
Keying on content rather than path means renaming or copying a dataset keeps its features, and an
edited file gets new ones. `extract_features` puts the extractor's `code_digest` in the settings, so
an edited extractor (or a helper it calls) gets a new folder. Files are written atomically (`ginpipe.io`: a temporary name, then a
rename), so concurrent writers (DataLoader workers, DDP ranks, parallel experiments) never expose a
half-written file.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ginpipe.io import atomic_write, mark_cache, write_text

_CHUNK = 1 << 20


def hash_bytes(data: bytes) -> str:
    """Hex digest of a file's content (blake2b, 128 bits), when its bytes are already in memory."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hash_file(path: str | os.PathLike) -> str:
    """Hex digest of a file's bytes (blake2b, 128 bits)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FeatureCache:
    """Feature files for one set of extractor settings.

    Example:
        >>> cache = FeatureCache("/tmp/features", {"extractor": "LogMel", "n_mels": 64})
        >>> cache.path("0123abcd").name
        '0123abcd.npy'
    """

    def __init__(self, root: str | os.PathLike, settings: dict[str, Any]):
        text = json.dumps(settings, sort_keys=True, default=str)
        self.key = hashlib.sha1(text.encode()).hexdigest()[:16]
        self.folder = Path(root).expanduser().resolve() / self.key
        self.settings = settings
        self._made: set[Path] = set()  # sub-folders known to exist: one mkdir each, not one per file

    def prepare(self) -> None:
        """Create the folder and write `settings.json` so a human can tell folders apart; mark it as a
        cache (`ginpipe gc` removes it once no experiment's state mentions its name)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        mark_cache(self.folder, "feature cache")
        info = self.folder / "settings.json"
        if not info.exists():
            write_text(info, json.dumps(self.settings, indent=2, sort_keys=True, default=str), durable=False)

    def path(self, content_hash: str) -> Path:
        return self.folder / content_hash[:2] / f"{content_hash}.npy"

    def load(self, content_hash: str, mmap: bool = False) -> np.ndarray | None:
        """The cached array, or None when absent."""
        path = self.path(content_hash)
        if not path.is_file():
            return None
        return np.load(path, mmap_mode="r" if mmap else None)

    def save(self, content_hash: str, features: np.ndarray) -> Path:
        path = self.path(content_hash)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        return atomic_write(path, lambda f: np.save(f, np.ascontiguousarray(features)), durable=False)
