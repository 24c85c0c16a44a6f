"""The experiment folder: where a run writes, and the rules that keep earlier results safe.

Never interactive, never silently destructive: a folder that holds a different config is refused
with a diff and the two flags that say what to do (`--resume`, `--overwrite`); a folder another run
is using is refused (file lock); under torch.distributed only rank 0 opens it (`ranks`).
"""
from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExperimentError
from ..files import atomic_write

__all__ = ["Experiment"]

TMP = ".tmp"
OURS = {".lock", TMP}


@dataclass
class Experiment:
    """The folder of one experiment, opened (locked and checked) for one run, then closed."""

    path: Path
    _lock_fd: int | None = None
    _holder: bytes | None = None  # the lock's content before this run, until the folder is accepted

    def open(self, config_text: str, resume: bool = False, overwrite: bool = False) -> None:
        """Lock the folder, check it against `config_text`, and write `config.gin`."""
        if resume and overwrite:
            raise ExperimentError("--resume and --overwrite contradict each other: pass one of them.")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock()
        except OSError as e:  # permission denied, read-only file system, disk full, ...
            raise _not_writable(self.path, e) from None
        previous = self.path / "config.gin"
        leftovers = [p.name for p in self.path.iterdir() if p.name not in OURS]
        if overwrite:
            self._clear()
        elif previous.is_file():
            old = previous.read_text()
            if old != config_text and not resume:
                self.close()
                raise ExperimentError(
                    f"Experiment {self.path} already exists with a different config:\n"
                    + _diff(old, config_text, str(previous)),
                    hint="Pass --resume to reuse what is still valid and rerun what changed,"
                         " --overwrite to start it afresh, or another --experiment-name.")
        elif leftovers:
            self.close()
            raise ExperimentError(
                f"{self.path} exists and is not a ginpipe experiment (no config.gin; holds"
                f" {', '.join(sorted(leftovers)[:5])}).",
                hint="Pass --overwrite to empty it, or choose another --experiment-name/--output-dir.")
        shutil.rmtree(self.tmp_dir, ignore_errors=True)  # left by a run that was killed
        try:
            self._claim()
            self.write_text(previous.name, config_text)
        except OSError as e:
            self.close()
            raise _not_writable(self.path, e) from None

    def write_text(self, name: str, text: str) -> None:
        atomic_write(self.path / name, lambda f: f.write(text.encode()), self.tmp_dir, durable=False)

    @property
    def tmp_dir(self) -> Path:
        """Where files are staged before their rename: emptied when the folder is opened."""
        return self.path / TMP

    def close(self) -> None:
        if self._lock_fd is not None:
            if self._holder is not None:  # refused: the lock file as it was
                _write_pid(self._lock_fd, self._holder)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self) -> None:
        fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ExperimentError(f"Another run (pid {holder}) is using {self.path}.",
                                  hint="Wait for it to finish, or use another --experiment-name.") from None
        # Our pid, for the message of a run refused meanwhile; the holder's is put back if this run is
        # refused in turn, so that a refused run leaves every byte of the folder as it was.
        self._holder = os.pread(fd, 64, 0)
        _write_pid(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _claim(self) -> None:
        """The folder is ours to write: keep our pid in the lock."""
        self._holder = None

    def _clear(self) -> None:
        for child in self.path.iterdir():
            if child.name == ".lock":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()


def _write_pid(fd: int, pid: bytes) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, pid, 0)


def _not_writable(path: Path, error: OSError) -> ExperimentError:
    where = f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
    return ExperimentError(f"Cannot write the experiment folder {path}: {error.strerror or error}{where}.",
                           hint="Make it writable, or choose a writable place with --output-dir.")


def _diff(old: str, new: str, name: str) -> str:
    import difflib  # only when a run is refused
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"{name} (saved)", "this run",
                                 lineterm="", n=1)
    return "\n".join(lines)
