"""The bad-input corpus: a project with a finished experiment that no bad input may change.

Every case runs the real `ginpipe` command on a bad input and checks four things: exit code 2, the
kind of message, that it names the file and line (or the item) at fault, and that not one byte of
the experiment finished before it changed (`Snapshot`: a hash of every file, and the file list).
"""
from __future__ import annotations

import pytest
from folder_snapshot import Snapshot
from projects import BASE_CONFIG, Project, make_project

STEPS = '''
"""Small pure-Python tasks: the runner's behaviour without torch."""
import time


def set_seed(state, seed=0):
    state.seed = seed


def load(state, n=10):
    state["data"] = list(range(n))


def double(state, factor=2, pause=0.0):
    time.sleep(pause)  # lets a test start a second run while this one holds the folder
    state["data2"] = [x * factor for x in state["data"]]


def total(state):
    state["total"] = sum(state["data2"])


def explode(state, message="boom"):
    raise RuntimeError(message)


def big(state, megabytes=2):
    state["big"] = b"x" * (megabytes << 20)  # a value too large for a nearly full disk


class Scaler:
    def __init__(self, factor=1.0):
        self.factor = factor
'''

OTHER = '''
def load(state):  # same short name as tasks.steps.load: `@load` is ambiguous once both are indexed
    state["data"] = []
'''

@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    """A project whose experiment `keep` finished before the bad input arrives."""
    for p in make_project(tmp_path, monkeypatch, STEPS, BASE_CONFIG):
        done = p.cli("base.gin", "--experiment-name", "keep", "-q")
        assert done.returncode == 0, done.stderr
        p.keep = Snapshot(p.exp("keep"))
        assert len(p.keep.files) > 10  # config, run.json, logs, state files...
        yield p
