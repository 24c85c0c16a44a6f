"""Asking who holds an experiment's lock never takes it (issue 27, class 7).

`status`, `compare` and `gc` read whether a run holds a folder. When that read took the lock for an
instant, a run starting in that instant was refused, naming a pid that had exited (2 runs in 40
beside a tight `status` loop). Here the instant is made as long as needed: `ginpipe status` is
paused (by a profiler, from inside its own process) in the middle of reading the lock, after every
lock call it makes, while a real run starts on the same folder; the run must not be refused.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PAUSED_STATUS = """
import sys, time
from pathlib import Path
paused, go = Path(sys.argv[1]), Path(sys.argv[2])
seen = {"locks": 0, "done": False}

def profile(frame, event, arg):
    # Pause once inside `lock_holder`: at its second lock call (a test-and-release of the lock:
    # paused while holding it) or, when it makes none, when it closes the lock file.
    if seen["done"] or event != "c_call" or frame.f_code.co_name != "lock_holder":
        return
    name = getattr(arg, "__name__", "")
    seen["locks"] += name in ("flock", "fcntl", "lockf")
    if seen["locks"] == 2 or name == "close":
        seen["done"] = True
        paused.write_text("paused")
        while not go.exists():
            time.sleep(0.01)

sys.setprofile(profile)
from ginpipe.cli import main
sys.exit(main(["status", sys.argv[3]]))
"""


def test_a_run_starting_while_status_reads_the_lock_is_not_refused(project, tmp_path):
    assert project.cli("base.gin", "--experiment-name", "e", check=True).returncode == 0
    paused, go = tmp_path / "paused", tmp_path / "go"
    inspector = subprocess.Popen([sys.executable, "-c", PAUSED_STATUS, str(paused), str(go),
                                  "experiments/my_project/e"], cwd=project.root, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 60
        while not paused.exists():
            assert inspector.poll() is None and time.monotonic() < deadline, inspector.communicate()
            time.sleep(0.01)
        run = project.cli("base.gin", "--experiment-name", "e")
        assert run.returncode == 0, run.stderr
        assert set(project.statuses("e").values()) == {"cached"}
    finally:
        go.write_text("go")
        out, err = inspector.communicate(timeout=60)
    assert inspector.returncode == 0, err
    assert out.splitlines()[1].split()[:2] == ["experiments/my_project/e", "done"]
