"""`ginpipe.runs.engine`: plain Python tasks on a real state folder, planned, run, cached and failed."""
import functools
import json
from pathlib import Path

import pytest

from ginpipe.errors import ConfigError, RunInterrupted, TaskError
from ginpipe.experiment.run_record import RunRecord
from ginpipe.runs.engine import Engine, execute_pipeline
from ginpipe.cache.shared import State
from ginpipe.cache.task_cache_folder import TaskCacheFolder
from ginpipe.cache.task_keys import CodeDigests

CALLS = []


def make(state):
    CALLS.append("make")
    state["rows"] = [1, 2, 3] * state.get("n", 1)


def total(state):
    CALLS.append("total")
    state.total = sum(state.rows)


def check(state):
    CALLS.append("check")
    return {"ok": state.total > 0}


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CALLS.clear()

    def fresh(name="e1", **options) -> Engine:
        folder = tmp_path / "experiments" / name
        folder.mkdir(parents=True, exist_ok=True)
        return Engine(config=None, task_cache=TaskCacheFolder(folder), run_record=RunRecord(folder / "run.json"),
                      code=CodeDigests(tmp_path), resume_hint="Fix the cause, then resume: ginpipe c.gin", **options)
    return fresh


def _run(engine, tasks, initial=None):
    with engine:
        return execute_pipeline(State(initial or {"n": 1}), tasks)


def test_a_first_run_runs_every_task_and_a_second_restores_them_all(engine, tmp_path):
    first = engine()
    state = _run(first, [make, total, check])
    assert (state.total, state.ok, CALLS) == (6, True, ["make", "total", "check"])
    assert first.executed == ["01-make", "02-total", "03-check"]
    second = engine()
    assert [(d.label, d.action) for d in second.plan([make, total, check], State({"n": 1}))] == [
        ("01-make", "cached"), ("02-total", "cached"), ("03-check", "cached")]
    CALLS.clear()
    state = _run(second, [make, total, check])
    assert (state.total, state.ok, CALLS, second.cached) == (6, True, [], ["01-make", "02-total", "03-check"])
    second.run_record.end("done")  # cached entries are written with the next task, or the run's end
    tasks = json.loads((tmp_path / "experiments" / "e1" / "run.json").read_text())["tasks"]
    assert [(t["label"], t["status"]) for t in tasks] == [
        ("01-make", "cached"), ("02-total", "cached"), ("03-check", "cached")]


def test_a_changed_input_reruns_its_readers_and_says_why(engine):
    _run(engine(), [make, total])
    plan = engine().plan([make, total], State({"n": 2}))
    assert [(d.label, d.action, d.reason) for d in plan] == [
        ("01-make", "run", "inputs changed: `n` changed"),
        ("02-total", "run", "inputs changed: `rows` changed (01-make reruns)")]
    CALLS.clear()
    assert _run(engine(), [make, total], {"n": 2}).total == 12 and CALLS == ["make", "total"]


def test_from_task_forces_that_task_and_every_later_one(engine):
    _run(engine(), [make, total, check])
    plan = engine(from_task="total").plan([make, total, check], State({"n": 1}))
    assert [(d.action, d.reason) for d in plan] == [("cached", ""), ("run", "forced"), ("run", "forced")]
    plan = engine(no_cache=True).plan([make], State({"n": 1}))
    assert [(d.action, d.reason) for d in plan] == [("run", "caching off")]


def test_a_sibling_experiment_of_the_project_supplies_identical_tasks(engine):
    _run(engine("e1"), [make, total])
    CALLS.clear()
    other = engine("e2")
    assert [(d.action, d.reason) for d in other.plan([make, total], State({"n": 1}))] == [
        ("cached", "from experiment e1"), ("cached", "from experiment e1")]
    assert _run(other, [make, total]).total == 6 and CALLS == []
    plan = engine("e3", share=False).plan([make], State({"n": 1}))
    assert [(d.action, d.reason) for d in plan] == [("run", "never ran")]


def test_a_failing_task_is_a_task_error_with_the_resume_command_and_a_record(engine, tmp_path):
    def boom(state):
        raise ValueError("no rows")

    with pytest.raises(TaskError) as caught:
        _run(engine(), [make, boom])
    assert str(caught.value) == "Task `02-boom` failed: ValueError: no rows\nFix the cause, then resume: ginpipe c.gin"
    tasks = json.loads((tmp_path / "experiments" / "e1" / "run.json").read_text())["tasks"]
    assert [(t["label"], t["status"], t.get("error")) for t in tasks] == [
        ("01-make", "done", None), ("02-boom", "failed", "ValueError: no rows")]
    assert list(TaskCacheFolder(tmp_path / "experiments" / "e1").records) == ["01-make"]


def test_ctrl_c_in_a_task_is_an_interruption_with_the_plain_resume_command(engine):
    def stop(state):
        raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as caught:
        _run(engine(), [stop])
    assert str(caught.value) == ("interrupted: task `01-stop` was stopped (Ctrl-C); the tasks finished before it"
                                 " are saved.\nResume: ginpipe c.gin")


@pytest.mark.parametrize("result, kind", [(3, "an int"), ([1], "a list"), ("x", "a str")])
def test_a_task_that_returns_something_else_than_the_state_is_an_error(engine, result, kind):
    with pytest.raises(TaskError) as caught:
        _run(engine(), [lambda state: result])
    assert str(caught.value) == (f"Task `01-<lambda>` returned {kind}; a task returns the state (or None when"
                                 " it changed the state in place).")


def test_a_nested_pipeline_labels_its_tasks_under_its_own(engine):
    inner = functools.update_wrapper(functools.partial(execute_pipeline, tasks=[total, check]), execute_pipeline)
    first = engine()
    assert _run(first, [make, inner]).ok is True
    assert first.executed == ["01-make", "02-execute_pipeline/01-total", "02-execute_pipeline/02-check"]


def test_only_sequential_execution_is_supported():
    with pytest.raises(ConfigError, match=r"^execution_order='parallel' is not supported: use 'sequential'\.$"):
        execute_pipeline(State(), [make], execution_order="parallel")


def test_without_an_engine_a_pipeline_runs_its_tasks_uncached(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CALLS.clear()
    assert execute_pipeline(State({"n": 1}), [make, total]).total == 6
    assert list(tmp_path.iterdir()) == []


def read_declared(state):
    from ginpipe.io import declare_input
    CALLS.append("read_declared")
    declare_input("data/labels.csv")
    state.labels = (Path("data") / "labels.csv").read_text().split()


def test_a_declared_file_that_changes_reruns_its_task_and_says_where(engine, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "labels.csv").write_text("dog\n")
    _run(engine(), [read_declared])
    assert [(d.action, d.reason) for d in engine().plan([read_declared], State({"n": 1}))] == [("cached", "")]
    (tmp_path / "data" / "labels.csv").write_text("dog\nsiren\n")
    assert [(d.action, d.reason) for d in engine().plan([read_declared], State({"n": 1}))] == [
        ("run", "inputs changed: data changed: data/labels.csv (modified)")]
    assert _run(engine(), [read_declared]).labels == ["dog", "siren"]
