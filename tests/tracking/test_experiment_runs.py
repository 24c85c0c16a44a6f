"""Experiments as MLflow runs, on the tests' pure-Python project and a local SQLite store: what a run
records, a rerun updating its run, tracking off by default, and a server that is down.

Skipped without mlflow (the dependency group `tracking`).
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests

pytest.importorskip("mlflow", reason="mlflow is not installed (uv sync --group tracking)")


@pytest.fixture
def store(project):
    """A SQLite tracking URI in the project, and a client reading it."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{project.root / 'mlflow.db'}"
    return uri, MlflowClient(tracking_uri=uri)


def _run_of(project, name: str, client):
    record = json.loads((project.exp(name) / "tracking.json").read_text())
    return client.get_run(record["run_id"])


def test_a_tracked_run_records_bindings_tags_and_metrics_and_a_rerun_updates_it(project, store):
    uri, client = store
    project.write("base.gin", """
        LIMIT = 100
        execute_pipeline.tasks = [@set_seed, @load, @double, @check, @score]
        set_seed.seed = 3
        load.n = 10
        check.limit = %LIMIT
        """)
    project.run("base.gin", mods=["score.offset=0.5"], name="a", track=uri, command="ginpipe base.gin ...")
    run = _run_of(project, "a", client)
    assert client.get_experiment(run.info.experiment_id).name == "my_project"
    assert run.info.run_name == "a" and run.info.status == "FINISHED"
    params = run.data.params
    # Full names, macros substituted; the naming macros are left out (they differ by construction).
    assert params["tasks.steps.check.limit"] == "100" and params["LIMIT"] == "100"
    assert params["tasks.steps.score.offset"] == "0.5" and params["tasks.steps.load.n"] == "10"
    assert "EXPERIMENT_NAME" not in params and "OUTPUT_DIR" not in params
    assert run.data.metrics == {"total": 90.5, "mean": 9.05, "n": 10.0}
    tags = run.data.tags
    assert tags["ginpipe.status"] == "done" and tags["ginpipe.cached_tasks"] == ""
    assert tags["ginpipe.command"] == "ginpipe base.gin ..."
    assert tags["ginpipe.executed_tasks"] == "01-set_seed, 02-load, 03-double, 04-check, 05-score"
    assert [a.path for a in client.list_artifacts(run.info.run_id)] == ["config.gin"]

    # A rerun, every task from the cache, updates the same run.
    project.run("base.gin", mods=["score.offset=0.5"], name="a", track=uri)
    again = _run_of(project, "a", client)
    assert again.info.run_id == run.info.run_id and again.info.status == "FINISHED"
    assert again.data.tags["ginpipe.cached_tasks"] == "01-set_seed, 02-load, 03-double, 04-check, 05-score"
    assert len(client.search_runs([run.info.experiment_id])) == 1
    # MLflow never changes a logged parameter: another config is another run.
    project.run("base.gin", mods=["score.offset=0.5", "double.factor=3"], name="a", resume=True, track=uri)
    changed = _run_of(project, "a", client)
    assert changed.info.run_id != run.info.run_id and changed.data.params["tasks.steps.double.factor"] == "3"
    assert changed.data.tags["ginpipe.cached_tasks"] == "01-set_seed, 02-load"
    assert changed.data.metrics["total"] == 135.5


def test_tracking_from_the_config_macro_and_off_by_default(project, store):
    uri, client = store
    project.write("tracked.gin", f"include 'base.gin'\nTRACKING_URI = '{uri}'\n")
    project.run("tracked.gin", name="macro")
    assert _run_of(project, "macro", client).data.tags["ginpipe.status"] == "done"
    # Without --track or TRACKING_URI nothing is tracked and mlflow is not even imported.
    script = ("import sys, ginpipe; ginpipe.run(['base.gin'], experiment_name='plain');"
              " print('mlflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert not (project.exp("plain") / "tracking.json").exists()


def test_a_bad_uri_warns_and_the_experiment_still_succeeds(project):
    from loguru import logger

    warnings: list[str] = []
    sink = logger.add(lambda message: warnings.append(str(message)), level="WARNING", format="{message}")
    try:
        state = project.run("base.gin", name="bad", track="nosuchscheme://x")
    finally:
        logger.remove(sink)
    assert state["metrics"]["total"] == 90.0
    assert len(warnings) == 1 and warnings[0].startswith("tracking: starting the MLflow run at nosuchscheme://x failed")
    assert project.run_json("bad")["status"] == "done"


def test_a_server_that_is_down_warns_and_the_experiment_still_succeeds(project):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = project.cli("base.gin", "--experiment-name", "down", "--track", f"http://127.0.0.1:{port}", "-q")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "tracking:" in line]
    assert len(warnings) == 1, done.stderr
    assert f"starting the MLflow run at http://127.0.0.1:{port} failed" in warnings[0]
    assert "the experiment goes on, not tracked from here on" in warnings[0]
    assert project.run_json("down")["status"] == "done"
    assert not (project.exp("down") / "tracking.json").exists()


def test_a_rerun_tracked_after_an_untracked_run_gets_the_curves_of_its_logs(project, store):
    uri, client = store
    project.write("tasks/training_log.py", '''
        from pathlib import Path


        def write_log(state):
            """A Lightning-style CSV log, as fit_model writes it."""
            log = Path(state["output_dir"]) / "logs" / "training" / "metrics.csv"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text("epoch,step,train_loss,val_accuracy\\n0,2,0.9,\\n0,2,,0.25\\n1,5,0.5,\\n1,5,,0.75\\n")
        ''')
    project.write("logged.gin", "include 'base.gin'\nexecute_pipeline.tasks += [@write_log]\n")
    project.run("logged.gin", name="late")
    project.run("logged.gin", name="late", track=uri)  # every task from the cache: no logger ran
    run = _run_of(project, "late", client)
    assert run.data.tags["ginpipe.cached_tasks"].endswith("06-write_log")
    history = client.get_metric_history(run.info.run_id, "val_accuracy")
    assert [(m.step, m.value) for m in history] == [(2, 0.25), (5, 0.75)]
    project.run("logged.gin", name="late", track=uri)  # and only once
    assert len(client.get_metric_history(run.info.run_id, "val_accuracy")) == 2
