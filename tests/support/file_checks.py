"""Is every file a reader can see complete? Checked by reading each one whole, with its own reader.

`check_file` reads a file once (one open, so one inode: a file renamed over it meanwhile cannot mix
two versions) and parses the bytes with the reader of its format: torch.load for .pt/.ckpt, parquet,
JSON, pickle, gin, audio. A truncated or half-written file fails to parse. `FolderWatcher` does this in
a thread, every few milliseconds, for every new or changed file of an experiment's `state/`,
`checkpoints/` and `model/` while a run writes them.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["check_file", "check_folders", "FolderWatcher", "WATCHED"]

WATCHED = ("state", "checkpoints", "model")


def check_file(path: Path) -> str:
    """Parse the whole file; return its format. Raises when it is incomplete or unreadable."""
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError("empty file")
    suffix = path.suffix.lower()
    if suffix in (".pt", ".ckpt"):
        import torch
        # model/ promises tensors only; state and checkpoints are our own pickles.
        torch.load(io.BytesIO(data), map_location="cpu", weights_only=path.parent.name == "model")
        return "torch"
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        pq.read_table(pa.BufferReader(data))
        return "parquet"
    if suffix == ".json":
        json.loads(data)
        return "json"
    if suffix == ".pkl":
        pickle.loads(data)
        return "pickle"
    if suffix == ".gin":
        from gin import config_parser

        parser = config_parser.ConfigParser(io.StringIO(data.decode()), _NoLookups())
        while parser.parse_statement() is not None:
            pass
        return "gin"
    if suffix in (".wav", ".flac", ".ogg"):
        import soundfile
        # libsndfile reads a cut WAV without complaint: its RIFF header says how long it must be.
        if data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") + 8 != len(data):
            raise ValueError(f"RIFF header promises {int.from_bytes(data[4:8], 'little') + 8} bytes,"
                             f" the file has {len(data)}")
        soundfile.read(io.BytesIO(data))
        return "audio"
    if suffix == ".csv":
        import pandas
        pandas.read_csv(io.BytesIO(data))
        return "csv"
    raise ValueError(f"no reader for {suffix or 'files without a suffix'}: cannot tell it is complete")


class _NoLookups:
    def configurable_reference(self, name, evaluate):
        return name

    def macro(self, name):
        return name


def _files(experiment: Path):
    for name in WATCHED:
        for folder, _, files in os.walk(experiment / name):
            for file in files:
                yield Path(folder) / file


def check_folders(experiment: Path) -> list[str]:
    """Problems with the files now in `state/`, `checkpoints/` and `model/` (empty when all are whole)."""
    problems = []
    for path in _files(experiment):
        try:
            check_file(path)
        except FileNotFoundError:
            continue
        except Exception as e:  # noqa: BLE001 - any failure to parse is the finding
            problems.append(f"{path.relative_to(experiment)}: {type(e).__name__}: {e}")
    return problems


@dataclass
class FolderWatcher:
    """Checks every file that appears or changes in an experiment's watched folders, while it runs."""

    experiment: Path
    interval: float = 0.005
    problems: list[str] = field(default_factory=list)
    checked: int = 0  # file versions read whole
    _seen: dict = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "FolderWatcher":
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(self.interval)
        self.scan()

    def scan(self) -> None:
        for path in list(_files(self.experiment)):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == version:
                continue
            self._seen[path] = version
            try:
                check_file(path)
                self.checked += 1
            except FileNotFoundError:
                continue
            except Exception as e:  # noqa: BLE001 - any failure to parse is the finding
                self.problems.append(f"{path.relative_to(self.experiment)} (seen during the run):"
                                     f" {type(e).__name__}: {e}")
