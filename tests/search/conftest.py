"""The search tests' `project`: the shared task module plus `quadratic`, an objective whose optimum is
known (x = 0.3, layers = 6), `train`, a loop that reports a curve per epoch (pruning), and a shared
prefix (`load`) that logs its calls."""
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


def train(state, rate=0.1, epochs=6):
    from ginpipe.io import report_trial  # what a training loop of the project does in a search trial

    value = 1.0
    for epoch in range(epochs):
        value -= rate
        log_call("epoch")
        report_trial("curve", value, step=epoch)  # raises TrialPruned when the pruner stops this trial
    state["metrics"] = {"epochs": epochs}  # the curve's value is what it reported (the objective's fallback)
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
