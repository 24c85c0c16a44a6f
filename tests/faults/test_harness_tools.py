"""The fault harness's own tools find what they claim to find (a harness that cannot fail proves nothing)."""
from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.file_checks import FolderWatcher, check_file, check_folders

REPO = Path(__file__).resolve().parents[2]


def _whole_files(folder: Path) -> list[Path]:
    import numpy as np
    import pandas as pd
    import soundfile as sf
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"w": torch.arange(1000.0)}, folder / "model.pt")
    pd.DataFrame({"a": range(500), "b": ["x"] * 500}).to_parquet(folder / "table.parquet")
    (folder / "value.pkl").write_bytes(pickle.dumps(list(range(500))))
    (folder / "index.json").write_text(json.dumps({"tasks": {str(i): i for i in range(100)}}))
    sf.write(folder / "clip.wav", np.zeros(4000, np.float32), 16000)
    return sorted(folder.iterdir())


@pytest.mark.parametrize("name", ["model.pt", "table.parquet", "value.pkl", "index.json", "clip.wav"])
def test_check_file_accepts_whole_files_and_rejects_truncated_ones(tmp_path, name):
    path = dict((p.name, p) for p in _whole_files(tmp_path))[name]
    check_file(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception):
        check_file(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty file"):
        check_file(path)


def test_check_folders_names_the_partial_file(tmp_path):
    for path in _whole_files(tmp_path / "state" / "01-task"):
        pass
    assert check_folders(tmp_path) == []
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "last.ckpt").write_bytes(b"PK\x03\x04 not a whole zip")
    [problem] = check_folders(tmp_path)
    assert problem.startswith("checkpoints/last.ckpt: ")


def test_the_watcher_sees_a_file_written_in_place_but_not_one_renamed_into_place(tmp_path):
    import torch

    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(100_000)}, buffer)
    data = buffer.getvalue()
    state = tmp_path / "state"
    state.mkdir()

    with FolderWatcher(tmp_path) as renamed:
        for n in range(20):  # the runner's way: temp file elsewhere, then rename
            (tmp_path / "tmp.pt").write_bytes(data)
            (tmp_path / "tmp.pt").replace(state / "model.pt")
            time.sleep(0.01)
    assert renamed.problems == [] and renamed.checked >= 1

    def in_place():  # Lightning's old way across file systems: the destination grows as it is copied
        with open(state / "model.pt", "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(0.3)
            f.write(data[len(data) // 2:])

    with FolderWatcher(tmp_path) as watcher:
        writer = threading.Thread(target=in_place)
        writer.start()
        writer.join()
    assert watcher.problems and watcher.problems[0].startswith("state/model.pt (seen during the run): ")


CHILD = """
import json, sys
sys.path.insert(0, {repo!r})
from tests.support.kill_tracer import KillPoint, KillTracer, Target

def write_twice(path):
    with open(path, "w") as f:
        f.write("first ")
        f.flush()
        f.write("second")

target = Target("test write", "write_twice", "child.py")
point = None if {point!r} is None else KillPoint("test write", *{point!r})
tracer = KillTracer([target], point)
tracer.install()
write_twice({out!r})
write_twice({out!r})
sys.settrace(None)
print(json.dumps(tracer.counts()))
"""


def _child(tmp_path, point) -> subprocess.CompletedProcess:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO), point=point, out=str(tmp_path / "out.txt")))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)


def test_the_tracer_counts_file_system_calls_and_kills_exactly_there(tmp_path):
    census = _child(tmp_path, None)
    calls = json.loads(census.stdout)["test write"]
    assert [c["io"] for c in calls] == [["open", "write", "flush", "write"]] * 2

    killed = _child(tmp_path, (2, 4, False))  # call 2, just before its second write
    assert killed.returncode == -9 and (tmp_path / "out.txt").read_text() == "first "
    killed = _child(tmp_path, (1, 2, True))  # call 1, once its first write returned (still buffered)
    assert killed.returncode == -9 and (tmp_path / "out.txt").read_text() == ""


DELAY_CHILD = """
import sys, time
sys.path.insert(0, {repo!r})
from tests.support.kill_tracer import KillPoint, KillTracer, Target

def short_task():
    time.sleep(0.05)

tracer = KillTracer([Target("short task", "short_task", "delay_child.py", mode="delay")],
                    KillPoint("short task", 1, delay=600.0))
tracer.install()
short_task()
print("survived the call")
"""


def test_a_delay_longer_than_the_call_kills_at_its_return(tmp_path):
    # The census that drew the delay may have run on a busier machine than the killed run.
    script = tmp_path / "delay_child.py"
    script.write_text(DELAY_CHILD.format(repo=str(REPO)))
    killed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9 and "survived" not in killed.stdout
