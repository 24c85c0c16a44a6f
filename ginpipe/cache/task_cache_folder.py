"""An experiment's `state/` folder: each task's written keys in their own folder, plus an index.

`state/index.json` maps each task (by its place in the pipeline) to its `TaskRecord`. It is rewritten
atomically after every task that runs (a task adopted from a sibling is recorded with the next
write), and a task's old record is dropped before its files are replaced, so a run killed at any
moment leaves an index that only points at complete files. A file damaged later (a disk error, a
copy cut short) is named when it is read, and a run drops its task from the cache so that `--resume`
makes it again.
"""
from __future__ import annotations

import os
from copy import deepcopy
from pathlib import Path

from ..errors import TaskError
from ..files import read_json, write_json
from ..log import logger
from .formats import load_value, safe_name, save_value
from .shared import State
from .task_keys import TaskRecord

__all__ = ["TaskCacheFolder", "UnreadableStateFile"]


class UnreadableStateFile(TaskError):
    """A saved state value cannot be read back (a truncated or damaged file); the message names it."""

    def __init__(self, message: str, hint: str | None = None, path: Path | None = None, label: str = ""):
        super().__init__(message, hint=hint)
        self.path, self.label = path, label  # the file, and the task that wrote it


class TaskCacheFolder:
    """One experiment's `state/`: its task records, and the values they wrote (see module docstring)."""

    def __init__(self, experiment_dir: Path):
        self.experiment_dir = experiment_dir
        self.name = experiment_dir.name
        self._siblings: list[TaskCacheFolder] | None = None
        self._adopted_unwritten = False  # records adopted since the index was last written
        self.state_dir = experiment_dir / "state"
        self.tmp_dir = experiment_dir / ".tmp"
        self.index_path = self.state_dir / "index.json"
        raw = read_json(self.index_path, {}) or {}
        self.records: dict[str, TaskRecord] = {
            label: TaskRecord.from_json(r) for label, r in raw.get("tasks", {}).items()}

    def reread(self) -> TaskCacheFolder:
        """This folder's records read again (its run may have changed them since), with the
        siblings read so far: a plan made before the folder was locked need not read them twice."""
        fresh = TaskCacheFolder(self.experiment_dir)
        fresh._siblings = self._siblings
        return fresh

    def record(self, label: str) -> TaskRecord | None:
        return self.records.get(label)

    def candidates(self, label: str, siblings: bool = True):
        """(task cache folder, record) pairs for this task: this experiment's first, then other experiments'."""
        own = self.records.get(label)
        if own is not None:
            yield self, own
        for sibling in (self.siblings() if siblings else []):
            record = sibling.records.get(label)
            if record is not None:
                yield sibling, record

    def siblings(self) -> list[TaskCacheFolder]:
        """The other experiments of the same project, most recent first (read once, lazily)."""
        if self._siblings is None:
            project = self.experiment_dir.parent
            found = [p for p in project.glob("*/state/index.json")
                     if p.parent.parent.resolve() != self.experiment_dir.resolve()]
            found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
            self._siblings = [TaskCacheFolder(p.parent.parent) for p in found]
        return self._siblings

    def complete(self, record: TaskRecord) -> bool:
        """Every file the record names is there."""
        return all(self.restorable(record, key) for key, entry in record.writes.items() if entry.get("file"))

    def adopt(self, label: str, record: TaskRecord, source: TaskCacheFolder) -> TaskRecord:
        """Take another experiment's outputs of an identical task: hard links (copies across devices)."""
        if self.records.pop(label, None) is not None:
            self._write_index()
        folder = self.state_dir / safe_name(label.replace("/", "."))
        _remove_tree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        for entry in record.writes.values():
            if entry.get("file"):
                assert record.folder is not None  # a record that wrote a file has its folder
                temporary = self.tmp_dir / f".tmp-{os.getpid()}-{entry['file']}"
                temporary.unlink(missing_ok=True)
                origin = source.state_dir / record.folder / entry["file"]
                try:
                    os.link(origin, temporary)
                except OSError:
                    import shutil

                    shutil.copy2(origin, temporary)
                os.replace(temporary, folder / entry["file"])
        adopted = deepcopy(record)
        adopted.folder = folder.name
        self.records[label] = adopted
        # The index is written before the next task runs (`write_adopted`), by the next `save` or by
        # the run's closing `prune`, not here: the files are links to values already on the disk,
        # so losing the record (a kill, a power cut) only means the task is adopted again, and a
        # record that outlives its links fails `complete` and reruns. Writing (and at first
        # flushing) the index per cached task was most of a cached rerun's fixed cost.
        self._adopted_unwritten = True
        return adopted

    def write_adopted(self) -> None:
        """Write the index if tasks were adopted since it was last written."""
        if self._adopted_unwritten:
            self._write_index(durable=False)

    def restorable(self, record: TaskRecord, key: str) -> bool:
        entry = record.writes.get(key) or {}
        return (bool(entry.get("file")) and record.folder is not None
                and (self.state_dir / record.folder / entry["file"]).is_file())

    def restore(self, record: TaskRecord, state: State, resume: str | None = None) -> None:
        """Put a cached task's outputs into `state`, to be read from disk on first access.

        `resume` (the run's resume hint) is given by a run that holds this folder: a file that cannot be
        read back then drops its task from the cache, so the suggested resume makes it again.
        """
        label = next((name for name, r in self.records.items() if r is record), record.task)
        for key, entry in record.writes.items():
            if self.restorable(record, key):
                assert record.folder is not None  # restorable: it has one
                path = self.state_dir / record.folder / entry["file"]
                state.put(key, version=entry["version"],
                          loader=lambda p=path, f=entry["format"], k=key: self._read(p, f, k, label, resume))
            else:
                state.put(key, version=entry["version"], loader=_unsaved(key, record.task))
        for key in record.deletes:
            state.discard(key)

    def _read(self, path: Path, fmt: str, key: str, label: str, resume: str | None):
        try:
            return load_value(path, fmt)
        except Exception as e:  # truncated or damaged: each format raises its own
            reason = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else 'unreadable'}"
            where = f"The cached state file {path} (key {key!r} of task `{label}`) cannot be read: {reason}."
            if resume is None:
                raise UnreadableStateFile(where, hint=f"Make it again: rerun that experiment's command with"
                                                       f" --from {label}.", path=path, label=label) from None
            if self.records.get(label) is not None and self.records[label].folder == path.parent.name:
                del self.records[label]
                self._write_index()
            again = resume.replace("Fix the cause, then resume", "Resume", 1) if resume else \
                "Run it again with resume=True."
            raise UnreadableStateFile(where, hint=f"It is dropped from the cache, so `{label}` runs again. {again}",
                                      path=path, label=label) from None

    def save(self, label: str, record: TaskRecord, state: State, not_saved: set[str]) -> None:
        """Write the task's keys, then its record; the old record goes first."""
        if self.records.pop(label, None) is not None:
            self._write_index()
        folder = self.state_dir / safe_name(label.replace("/", "."))
        _remove_tree(folder)
        record.folder = folder.name
        for key, entry in record.writes.items():
            if key in not_saved:
                continue
            try:
                entry["file"], entry["format"] = save_value(state.peek(key), folder, key, self.tmp_dir)
            except OSError as e:  # the disk is full or not writable: the run must stop and say so
                raise OSError(e.errno, f"{e.strerror} while saving state key {key!r} of task `{label}`",
                              str(folder)) from e
            except Exception as e:  # an object that cannot be serialised: rerun its task when needed
                logger.warning(f"State key {key!r} ({type(state.peek(key)).__name__}) was not saved: {e}."
                               " Tasks that need it will rerun the task that made it.")
        self.records[label] = record
        self._write_index()

    def prune(self, alive: set[str]) -> None:
        """Forget tasks that are no longer in the pipeline, and their files."""
        for label in [label for label in self.records if label not in alive]:
            record = self.records.pop(label)
            if record.folder:
                _remove_tree(self.state_dir / record.folder)
        # Not flushed either: a lost write leaves records whose files are gone, which fail `complete`.
        self._write_index(durable=False)

    def _write_index(self, durable: bool = True) -> None:
        self._adopted_unwritten = False
        # Staged in .tmp like the values: `state/` itself only ever holds complete files.
        write_json(self.index_path, {"version": 1,
                                     "tasks": {label: r.to_json() for label, r in self.records.items()}},
                   tmp_dir=self.tmp_dir, durable=durable)


def _remove_tree(folder: Path) -> None:
    """Remove `folder` if it is there. shutil is imported only then: a new experiment adopting its
    tasks from a sibling has nothing to remove, and importing shutil was 3 % of that run."""
    if os.path.lexists(folder):
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _unsaved(key: str, task: str):
    def fail():
        raise TaskError(f"State key {key!r} was not saved (keys_not_saved, or not serialisable), and the"
                        f" task that made it ({task}) was restored from the cache.",
                        hint="Rerun with --no-cache, or --from that task.")
    return fail
