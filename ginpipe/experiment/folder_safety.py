"""What ginpipe may write and delete: only inside folders it marked as experiments.

Deletion safety is by design, not by a list of forbidden strings. ginpipe writes a marker file
(`.ginpipe-experiment`) into every experiment folder it creates (a new or empty folder), and every
deletion it makes (`--overwrite`, checkpoints set aside, `.tmp/` cleaning, `model/` replaced) is of
a path inside such a folder. A folder without the marker is never emptied, whatever it holds. On top
of that, a run may not write where the user keeps other things: the working folder, the project
root, the home folder, a folder holding experiments, or inside another experiment.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ConfigError, ExperimentError
from .caches import CACHE_MARKER, cache_kind, mark_cache  # re-exported: where they used to live

__all__ = ["MARKER", "CACHE_MARKER", "is_marked", "mark", "mark_cache", "cache_kind", "check_name",
           "check_location", "check_removable", "marked_experiment_of", "nested_experiments"]

MARKER = ".ginpipe-experiment"


def is_marked(folder: Path) -> bool:
    """The folder was created by ginpipe as an experiment (the marker is a regular file, not a link)."""
    marker = Path(folder) / MARKER
    return marker.is_file() and not marker.is_symlink()


def mark(folder: Path) -> None:
    """Mark a folder that ginpipe has just created (or found empty) as an experiment."""
    text = json.dumps({"ginpipe": "experiment", "pid": os.getpid()}) + "\n"
    (Path(folder) / MARKER).write_text(text)


def check_name(kind: str, name: str, flag: str) -> None:
    """Experiment and project names are one path component: never `..`, `/`, absolute or empty."""
    problem = None
    if not name or not name.strip():
        problem = "is empty"
    elif name in (".", ".."):
        problem = f"is `{name}`, which names a folder outside the experiment"
    elif "/" in name or "\\" in name or os.sep in name:
        problem = "contains a path separator"
    elif "\0" in name:
        problem = "contains a NUL character"
    elif name.startswith("."):
        problem = "starts with `.` (ginpipe keeps hidden names for its own files)"
    if problem:
        raise ConfigError(f"The {kind} name {name!r} {problem}: it must be a single folder name.",
                          None, f"Pass a plain name such as {flag} run1; to write somewhere else"
                          " entirely, use --output-dir.")


def _resolve(path: Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def project_root(cwd: Path) -> Path:
    """The nearest folder above the working folder holding `.git` or `pyproject.toml`, else cwd."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return folder
    return cwd


def marked_experiment_of(path: Path) -> Path | None:
    """The marked experiment folder that holds `path` (itself included), if any."""
    path = _resolve(path)
    for folder in (path, *path.parents):
        if is_marked(folder):
            return folder
    return None


def nested_experiments(folder: Path, limit: int = 3) -> list[Path]:
    """Marked experiments strictly below `folder` (links not followed), at most `limit` of them."""
    found: list[Path] = []
    for root, _dirs, files in os.walk(folder, followlinks=False):
        if Path(root) != Path(folder) and MARKER in files:
            found.append(Path(root))
            if len(found) >= limit:
                break
    return found


def check_location(output_dir: Path, flag: str = "--output-dir") -> None:
    """Refuse an experiment folder where the user keeps other things.

    It may not be (or contain) the working folder, the project root or the home folder, may not hold
    other experiments, and may not lie inside another experiment (whose --overwrite would delete it).
    """
    target, cwd = _resolve(output_dir), _resolve(Path.cwd())
    root = project_root(cwd)
    home = _resolve(Path.home())
    shown = str(output_dir)
    for place, what in ((cwd, "the working folder"), (root, "the project root"), (home, "your home folder")):
        if _is_within(place, target):
            same = "is" if place == target else "contains"
            raise ExperimentError(
                f"{flag} {shown} {same} {what} ({place}): an experiment folder must be a folder of its own,"
                " or --overwrite could delete your files.",
                hint="Pass a new folder, e.g. --output-dir experiments/my_project/run1.")
    holder = marked_experiment_of(target.parent) if target != target.parent else None
    if holder is not None:
        raise ExperimentError(
            f"{flag} {shown} is inside the experiment {holder}: an --overwrite of that experiment would"
            " delete it.", hint="Pass a folder outside every experiment, e.g. experiments/my_project/run1.")
    if target.is_dir() and not is_marked(target):
        nested = nested_experiments(target)
        if nested:
            raise ExperimentError(
                f"{flag} {shown} holds other experiments ({', '.join(str(n) for n in nested)}):"
                " it is a project folder, not an experiment.",
                hint="Pass one experiment's own folder, e.g. " + str(Path(shown) / "run1") + ".")


def check_removable(path: Path) -> Path:
    """Raise unless `path` lies strictly inside a marked experiment; return that experiment."""
    holder = marked_experiment_of(Path(path).parent)
    if holder is None or _resolve(path) == holder:
        raise ExperimentError(
            f"Refusing to delete or move {path}: it is not inside a folder ginpipe created as an"
            f" experiment (no {MARKER} marker above it).",
            hint="Keep checkpoints, logs and model bundles inside the experiment folder"
                 " (state['output_dir']).")
    return holder
