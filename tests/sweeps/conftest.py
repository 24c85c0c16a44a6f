"""A tiny pure-Python project (a `tasks` package plus configs) in a temporary folder, for sweeps.

Members of a sweep run as real `ginpipe` processes; the tasks are plain Python so that a whole sweep
takes about a second per member. `calls.log` lines show which task really ran in which member.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STEPS = '''
"""Pure-Python tasks, as a user's project would have them."""
import os
import time


def log_call(name):
    with open("calls.log", "a") as f:  # appends are atomic: members may run at once
        f.write(f"{name} {os.getpid()}\\n")


def set_seed(state, seed=0):
    state.seed = seed


def load(state, n=10, pause=0.0):
    log_call("load")
    time.sleep(pause)  # a slow shared prefix (loading, feature extraction)
    state["data"] = list(range(n))


def double(state, factor=2, pause=0.0):
    log_call("double")
    time.sleep(pause)  # lets a test interrupt a member while it is busy
    state["data2"] = [x * factor for x in state["data"]]


def check(state, limit=1000):
    if max(state["data2"]) > limit:
        raise ValueError(f"{max(state['data2'])} is over the limit {limit}")


def score(state, offset=0.0):
    log_call("score")
    total = sum(state["data2"]) + offset
    state["metrics"] = {"total": float(total), "mean": total / len(state["data2"]), "n": len(state["data2"]),
                        "note": "not a number, not shown"}


def record_gpu(state):
    state["gpu"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    state["gpu_seed"] = state["seed"]  # reads the seed: each member runs this task
    with open(f"gpu-{os.getpid()}.txt", "w") as f:
        f.write(f"{state['gpu']} {time.time()}\\n")
    time.sleep(0.5)  # long enough for the members to overlap
'''

BASE = """
execute_pipeline.tasks = [@set_seed, @load, @double, @check, @score]
set_seed.seed = 3
load.n = 10
"""


class Project:
    """A temporary project folder, current directory during the test."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def exp(self, name: str, project: str = "my_project") -> Path:
        return self.root / "experiments" / project / name

    def run_json(self, name: str, project: str = "my_project") -> dict:
        return json.loads((self.exp(name, project) / "run.json").read_text())

    def statuses(self, name: str, project: str = "my_project") -> dict[str, str]:
        """task label -> "done" (ran) or "cached"/"cached from <experiment>"."""
        return {t["label"]: t["status"] + (f" from {t['from']}" if "from" in t else "")
                for t in self.run_json(name, project)["tasks"]}

    def calls(self) -> list[str]:
        log = self.root / "calls.log"
        return [line.split()[0] for line in log.read_text().splitlines()] if log.is_file() else []

    def cli(self, *args: str, env: dict | None = None, check: bool = False, timeout: int = 120,
            **popen) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *args], cwd=self.root, capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=timeout, **popen)
        if check and done.returncode != 0:
            raise AssertionError(done.stderr)
        return done


def _purge_project_modules():
    for name in [m for m in sys.modules if m == "tasks" or m.startswith("tasks.")]:
        del sys.modules[name]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    root = tmp_path / "proj"
    root.mkdir()
    p = Project(root)
    p.write("tasks/__init__.py", '"""The project\'s tasks."""\n')
    p.write("tasks/steps.py", STEPS)
    p.write("base.gin", BASE)
    monkeypatch.chdir(root)
    for variable in ("RANK", "LOCAL_RANK", "SLURM_PROCID", "GINPIPE_EXPERIMENT_NAME", "GINPIPE_OUTPUT_DIR",
                     "CUDA_VISIBLE_DEVICES"):
        monkeypatch.delenv(variable, raising=False)
    _purge_project_modules()
    yield p
    _purge_project_modules()


@pytest.fixture(autouse=True)
def _clean_gin():
    yield
    import gin
    gin.clear_config()
