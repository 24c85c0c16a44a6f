"""The manual's idiom (docs/configs.md) for adding a task in the middle of a pipeline without rewriting its list: the
pipeline is made of stages (nested `@scope/execute_pipeline` tasks) and a later config appends to a
stage with `+=`. Through the real command: the task runs where it was put, the tasks before it come
from the cache of the run without it."""
from __future__ import annotations

import json

import pytest

from tests.support.projects import make_project

# The two configs exactly as docs/configs.md shows them ("Adding a task in the middle of a pipeline").
STAGES = """
execute_pipeline.tasks = [@prepare/execute_pipeline, @total]
prepare/execute_pipeline.tasks = [@load, @double]
"""
INSERT = """
prepare/execute_pipeline.tasks += [@clip]
"""
CLIP = '''
def clip(state, limit=7):
    """Caps every value: runs after `double` and before `total` when inserted into `prepare`."""
    state["data2"] = [min(x, limit) for x in state["data2"]]
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    yield from make_project(tmp_path, monkeypatch, STAGES)


def test_a_task_appended_to_a_stage_runs_in_the_middle_of_the_pipeline(project):
    project.write("tasks/extra.py", CLIP)
    project.write("insert.gin", INSERT)
    project.cli("base.gin", "--experiment-name", "plain", check=True)
    inserted = project.cli("base.gin", "insert.gin", "--experiment-name", "clipped", check=True)
    assert "done: experiments/my_project/clipped" in inserted.stdout

    labels = [t["label"] for t in json.loads((project.exp("clipped") / "run.json").read_text())["tasks"]]
    assert labels == ["01-execute_pipeline/01-load", "01-execute_pipeline/02-double",
                      "01-execute_pipeline/03-clip", "02-total"]
    assert project.statuses("clipped") == {
        "01-execute_pipeline/01-load": "cached from plain", "01-execute_pipeline/02-double": "cached from plain",
        "01-execute_pipeline/03-clip": "done", "02-total": "done"}
    import ginpipe
    assert ginpipe.load_state(project.exp("plain"))["total"] == sum(2 * x for x in range(10))
    assert ginpipe.load_state(project.exp("clipped"))["total"] == sum(min(2 * x, 7) for x in range(10))
