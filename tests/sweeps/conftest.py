"""A tiny pure-Python project (a `tasks` package plus configs) in a temporary folder, for sweeps.

Members of a sweep run as real `ginpipe` processes; the tasks are plain Python so that a whole sweep
takes about a second per member. `calls.log` lines show which task really ran in which member.
"""
from __future__ import annotations

import pytest
from projects import Project, make_project

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


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    yield from make_project(tmp_path, monkeypatch, STEPS, BASE)
