"""The experiment folder: where a run writes, and the rules that keep earlier results safe.

Never interactive, never silently destructive: a folder that holds a different config is refused
with a diff and the two flags that say what to do (`--resume`, `--overwrite`); a folder another run
is using is refused (file lock); under torch.distributed only rank 0 opens it (`ranks`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExperimentError
from ..files import TMP_PREFIX, atomic_write
from .caches import active_experiment, set_active_experiment
from .folder_safety import MARKER, check_location, is_marked, mark, nested_experiments
from .lock import LOCK, FolderLock, lock_holder

__all__ = ["Experiment"]

TMP = ".tmp"
OURS = {LOCK, TMP}


@dataclass
class Experiment:
    """The folder of one experiment, opened (locked and checked) for one run, then closed."""

    path: Path
    _lock: FolderLock = field(init=False)

    def __post_init__(self):
        self._lock = FolderLock(self.path)

    def open(self, config_text: str, resume: bool = False, overwrite: bool = False) -> None:
        """Lock the folder, check it against `config_text`, and write `config.gin`.

        Nothing is written into (or deleted from) a folder that ginpipe did not create as an
        experiment: such a folder is refused before the lock file is made (see `folder_safety`).
        """
        refused = self.refusal(config_text, resume, overwrite)
        if refused is not None:
            raise refused
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
            if not is_marked(self.path) and not self._entries():  # new or empty: ours from now on
                mark(self.path)
        except OSError as e:  # permission denied, read-only file system, disk full, ...
            raise _not_writable(self.path, e) from None
        refused = self.refusal(config_text, resume, overwrite, locked=True)  # changed meanwhile?
        if refused is not None:
            self.close()
            raise refused
        try:
            if overwrite:
                self._clear()
            self._clean_tmp()  # left by a run that was killed
            self._lock.claim()  # the folder is ours to write: our pid stays in the lock
            set_active_experiment(self.path)  # the caches its tasks mark record it as a user
            self.write_text("config.gin", config_text)
        except OSError as e:
            self.close()
            raise _not_writable(self.path, e) from None

    def refusal(self, config_text: str, resume: bool = False, overwrite: bool = False,
                locked: bool = False) -> ExperimentError | None:
        """Why a run with this config would be refused here (None: it would not); changes nothing.
        `--dry-run` asks this too, so that it fails exactly when the run would."""
        if resume and overwrite:
            return ExperimentError("--resume and --overwrite contradict each other: pass one of them.")
        try:
            check_location(self.path)
        except ExperimentError as e:
            return e
        if self.path.exists() and not self.path.is_dir():
            return ExperimentError(f"{self.path} exists and is a file, not a folder.",
                                   hint="Choose another --experiment-name or --output-dir.")
        if not self.path.is_dir():
            return None
        theirs = self._foreign_entries()
        if theirs:
            return ExperimentError(
                f"{self.path} exists and was not created by ginpipe as an experiment (no {MARKER}"
                f" marker); it holds {', '.join(theirs[:5])}{' ...' if len(theirs) > 5 else ''}."
                " ginpipe never writes into or empties such a folder, not even with --overwrite.",
                hint="Choose a new or empty folder with --output-dir, or another --experiment-name.")
        holder = None if locked else lock_holder(self.path)
        if holder is not None:
            return ExperimentError(f"Another run (pid {holder if holder > 0 else 'unknown'}) is using"
                                   f" {self.path}.", hint="Wait for it to finish, or use another --experiment-name.")
        if overwrite:
            return self._overwrite_refusal()
        previous = self.path / "config.gin"
        if previous.is_file() and not resume:
            old = previous.read_text(errors="replace")
            if old != config_text:
                return ExperimentError(
                    f"Experiment {self.path} already exists with a different config:\n"
                    + _diff(old, config_text, str(previous)),
                    hint="Pass --resume to reuse what is still valid and rerun what changed,"
                         " --overwrite to start it afresh, or another --experiment-name."
                    if is_marked(self.path) else
                    "Pass --resume to reuse what is still valid and rerun what changed, or another"
                    " --experiment-name (it has no ginpipe marker, so --overwrite will not empty it).")
        return None

    def write_text(self, name: str, text: str) -> None:
        atomic_write(self.path / name, lambda f: f.write(text.encode()), self.tmp_dir, durable=False)

    @property
    def tmp_dir(self) -> Path:
        """Where files are staged before their rename: emptied when the folder is opened."""
        return self.path / TMP

    def close(self) -> None:
        if active_experiment() == Path(os.path.abspath(self.path)):
            set_active_experiment(None)
        self._lock.release()

    def _entries(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.name not in OURS | {MARKER})

    def _foreign_entries(self) -> list[str]:
        """What an existing folder holds when ginpipe did not make it (a run of an older ginpipe,
        which has a `config.gin`, is reused but never emptied)."""
        if not self.path.is_dir() or is_marked(self.path):
            return []
        entries = self._entries()
        return [] if "config.gin" in entries else entries

    def _overwrite_refusal(self) -> ExperimentError | None:
        """--overwrite empties only a marked experiment that holds no other experiment."""
        if not is_marked(self.path):
            return ExperimentError(
                f"--overwrite refused: {self.path} was not created by ginpipe as an experiment (no"
                f" {MARKER} marker), so ginpipe cannot tell its files from yours.",
                hint="Run without --overwrite (add --resume for a changed config), or choose a new"
                     " folder with --output-dir or another --experiment-name.")
        nested = nested_experiments(self.path)
        if nested:
            return ExperimentError(
                f"--overwrite refused: {self.path} holds other experiments ({', '.join(map(str, nested))}).",
                hint="Move them out first, or choose another --experiment-name.")
        return None

    def _clear(self) -> None:
        """--overwrite: empty a marked experiment (checked by `refusal` under the lock)."""
        import shutil  # here: only --overwrite removes trees, and a run need not import it otherwise

        for child in self.path.iterdir():
            if child.name in (LOCK, MARKER):
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()  # a link is removed, never followed

    def _clean_tmp(self) -> None:
        """Remove the temporaries a killed run left in `.tmp/`: only the files ginpipe's writer
        names (`.tmp-*`), only in a marked experiment."""
        if not is_marked(self.path) or not self.tmp_dir.is_dir() or self.tmp_dir.is_symlink():
            return
        for child in self.tmp_dir.iterdir():
            if child.name.startswith(TMP_PREFIX) and not child.is_dir():
                child.unlink(missing_ok=True)


def _not_writable(path: Path, error: OSError) -> ExperimentError:
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    return ExperimentError(f"Cannot write the experiment folder {path}: {error.strerror or error}{where}.",
                           hint="Make it writable, or choose a writable place with --output-dir.")


def _diff(old: str, new: str, name: str) -> str:
    import difflib  # only when a run is refused
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"{name} (saved)", "this run",
                                 lineterm="", n=1)
    return "\n".join(lines)
