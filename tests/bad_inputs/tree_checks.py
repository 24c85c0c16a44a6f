"""Shared checks of the bad-input corpus: a refused command's answer, and that no byte was lost."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from folder_snapshot import Snapshot

__all__ = ["assert_clean_refusal", "marked_folders", "lost_outside_experiments"]

MARKER = ".ginpipe-experiment"


def assert_clean_refusal(done: subprocess.CompletedProcess, message: str, hint: str = "",
                         code: int = 2) -> str:
    """Exit `code`, an `error:` line holding `message`, the suggested fix `hint`, no traceback."""
    err = done.stderr
    assert done.returncode == code, err
    assert "Traceback" not in err and "Traceback" not in done.stdout, err
    error = err[err.index("error: "):] if "error: " in err else err
    assert message in error, error
    assert hint in error, error
    return error


def marked_folders(root: Path) -> list[Path]:
    """Folders under `root` holding ginpipe's marker as a regular file (links not followed)."""
    return [Path(r) for r, _, files in os.walk(root, followlinks=False)
            if MARKER in files and not (Path(r) / MARKER).is_symlink()]


def lost_outside_experiments(before: Snapshot, marked: list[Path]) -> list[str]:
    """Files of `before` removed or changed that were not inside a folder ginpipe had marked."""
    inside = [Path(os.path.abspath(m)) for m in marked]
    lost = []
    for name in before.lost():
        path = Path(os.path.abspath(before.folder / name))
        if not any(m == path or m in path.parents for m in inside):
            lost.append(name)
    return lost
