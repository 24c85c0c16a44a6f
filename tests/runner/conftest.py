"""A tiny pure-Python project (a `tasks` package plus configs) in a temporary folder.

The runner is tested with plain-Python tasks: no torch is needed to test composition, caching,
persistence and the experiment folder.
"""
from __future__ import annotations

import pytest
from projects import BASE_CONFIG, Project, make_project

STEPS = '''
"""Four pure-Python tasks, as a user's project would have them."""
import os
import time


def set_seed(state, seed=0):
    state.seed = seed


def load(state, n=10, key_out="data"):
    state[key_out] = list(range(n))


def double(state, factor=2, pause=0.0):
    time.sleep(pause)  # lets a test kill the run while this task is busy
    state["data2"] = [x * factor for x in state["data"]]
    return state


def total(state):
    state["total"] = sum(state["data2"])


def add_column(state, column="label"):
    # GinPipe-style: changes what it read, in place, without assigning the key again
    state["table"][column] = [str(x) for x in state["table"]["value"]]


def make_table(state, n=4):
    state["table"] = {"value": list(range(n))}


def explode(state, message="boom"):
    raise RuntimeError(message)


def record_pid(state):
    state["pid"] = os.getpid()


class Scaler:
    """A configurable class: `@Scaler()` puts a gin-configured object into the state."""

    def __init__(self, factor=1.0):
        self.factor = factor


def keep(state, obj=None, key="obj"):
    state[key] = obj


def counted(state, log_file="calls.log"):
    with open(log_file, "a") as f:
        f.write("counted\\n")
    state["counted"] = True
'''

@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    yield from make_project(tmp_path, monkeypatch, STEPS, BASE_CONFIG)
