"""The search tests' `project`: the shared task module plus `quadratic`, an objective whose optimum is
known (x = 0.3, layers = 6), and a shared prefix (`load`) that logs its calls."""
from __future__ import annotations

import pytest

from tests.support.projects import STEPS, make_project

QUADRATIC = '''

def quadratic(state, x=0.0, layers=2, pause=0.0, crash=-1):
    log_call("quadratic")
    time.sleep(pause)  # long enough for a test to kill the study mid-trial
    if layers == crash:
        raise RuntimeError(f"layers={layers} crashes")
    state["metrics"] = {"loss": (x - 0.3) ** 2 + (layers - 6) ** 2 / 100, "n": len(state["data"])}
'''

SEARCH_CONFIG = """
execute_pipeline.tasks = [@set_seed, @load, @quadratic]
set_seed.seed = 3
load.n = 10
quadratic.x = 0.0
quadratic.layers = 2
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    for p in make_project(tmp_path, monkeypatch, SEARCH_CONFIG, steps=STEPS + QUADRATIC):
        p.write("calls.log", "")
        yield p
