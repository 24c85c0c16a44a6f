"""The pipeline: tasks share one state, each task's outputs are saved, unchanged tasks are skipped."""
import json

import pytest

import ginpipe
from ginpipe.errors import TaskError


def statuses(project, name="e"):
    data = json.loads((project.exp(name) / "run.json").read_text())
    return {t["label"]: t["status"] for t in data["tasks"]}


def test_tasks_share_state_and_timing_is_recorded(project):
    state = project.run("base.gin")
    assert state["total"] == sum(2 * x for x in range(10))
    tasks = json.loads((project.exp("e") / "run.json").read_text())["tasks"]
    assert [t["label"] for t in tasks] == ["01-set_seed", "02-load", "03-double", "04-total"]
    assert all(t["wall_s"] >= 0 and t["cpu_s"] >= 0 for t in tasks)
    assert tasks[2]["reads"] == ["data"] and tasks[2]["writes"] == ["data2"]


def test_second_run_skips_every_task(project):
    project.run("base.gin")
    state = project.run("base.gin")
    assert set(statuses(project).values()) == {"cached"}
    assert state["total"] == 90 and state["seed"] == 3


def test_changed_binding_reruns_only_downstream_tasks(project):
    project.run("base.gin")
    state = project.run("base.gin", mods=["double.factor=3"], resume=True)
    assert statuses(project) == {"01-set_seed": "cached", "02-load": "cached",
                                 "03-double": "done", "04-total": "done"}
    assert state["total"] == 135


def test_changed_macro_reaches_the_tasks_that_use_it(project):
    project.run("base.gin")
    project.run("base.gin", mods=["N=2"], resume=True)
    assert statuses(project) == {"01-set_seed": "cached", "02-load": "done", "03-double": "done",
                                 "04-total": "done"}


def test_changed_task_source_reruns_it(project):
    project.run("base.gin")
    steps = project.root / "tasks/steps.py"
    steps.write_text(steps.read_text().replace("sum(state[\"data2\"])", "sum(state[\"data2\"]) + 1"))
    for module in [m for m in list(__import__("sys").modules) if m.startswith("tasks")]:
        del __import__("sys").modules[module]
    assert project.run("base.gin")["total"] == 91
    # keys follow functions: the three other tasks of the edited module cannot reach `total`
    assert statuses(project) == {"01-set_seed": "cached", "02-load": "cached", "03-double": "cached",
                                 "04-total": "done"}


def test_from_task_and_no_cache(project):
    project.run("base.gin")
    project.run("base.gin", from_task="double")
    assert statuses(project) == {"01-set_seed": "cached", "02-load": "cached", "03-double": "done",
                                 "04-total": "done"}
    project.run("base.gin", no_cache=True)
    assert set(statuses(project).values()) == {"done"}


def test_in_place_change_of_a_read_value_counts_as_a_write(project):
    project.write("c.gin", "execute_pipeline.tasks = [@make_table, @add_column, @keep]\nkeep.obj = 1\n")
    project.run("c.gin")
    tasks = json.loads((project.exp("e") / "run.json").read_text())["tasks"]
    assert tasks[1]["writes"] == ["table"]
    # a rerun that restores `add_column` from the cache gets the table with the new column
    state = project.run("c.gin", mods=["keep.obj=2"], resume=True)
    assert statuses(project)["02-add_column"] == "cached"
    assert state["table"]["label"] == ["0", "1", "2", "3"]


def test_nested_pipelines(project):
    project.write("c.gin", """
        execute_pipeline.tasks = [@set_seed, @inner/execute_pipeline, @total]
        inner/execute_pipeline.tasks = [@load, @double]
        """)
    state = project.run("c.gin")
    assert state["total"] == 90
    assert list(statuses(project)) == ["01-set_seed", "02-execute_pipeline/01-load",
                                       "02-execute_pipeline/02-double", "03-total"]
    project.run("c.gin")
    assert set(statuses(project).values()) == {"cached"}


def test_failing_task_names_itself_and_how_to_resume(project):
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @explode, @total]\n")
    with pytest.raises(TaskError) as e:
        ginpipe.run(["c.gin"], experiment_name="f", command="ginpipe c.gin")
    assert str(e.value).startswith("Task `02-explode` failed: RuntimeError: boom")
    assert "ginpipe c.gin --experiment-name f" in str(e.value)
    assert statuses(project, "f") == {"01-set_seed": "done", "02-explode": "failed"}
    # the finished task is not lost: fixing the config resumes after it
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @load, @double, @total]\n")
    ginpipe.run(["c.gin"], experiment_name="f", resume=True)
    assert statuses(project, "f")["01-set_seed"] == "cached"


def test_unsaved_key_makes_its_producer_rerun_when_needed(project):
    project.write("c.gin", "$keys_not_saved = ['data']\n")
    project.run("base.gin", "c.gin")
    state = project.run("base.gin", "c.gin", mods=["double.factor=5"], resume=True)
    assert statuses(project) == {"01-set_seed": "cached", "02-load": "done", "03-double": "done",
                                 "04-total": "done"}
    assert state["total"] == 225


def test_gin_configured_objects_in_the_state_are_saved(project):
    project.write("c.gin", """
        execute_pipeline.tasks = [@a/keep, @b/keep, @c/keep]
        a/keep.obj = @Scaler()
        a/keep.key = 'instance'
        b/keep.obj = @Scaler
        b/keep.key = 'cls'
        c/keep.obj = @total
        c/keep.key = 'function'
        Scaler.factor = 2.5
        """)
    project.run("c.gin")
    state = ginpipe.load_state(project.exp("e"))
    from tasks.steps import Scaler, total
    assert isinstance(state["instance"], Scaler) and state["instance"].factor == 2.5
    assert state["cls"] is Scaler and state["function"] is total


def test_dataframes_are_saved_as_parquet(project):
    project.write("tasks/frames.py", """
        import pandas as pd

        def make_frame(state):
            state["df"] = pd.DataFrame({"path": ["a.wav", "b.wav"], "label": [0, 1]})
        """)
    project.write("c.gin", "execute_pipeline.tasks = [@make_frame]\n")
    project.run("c.gin")
    files = list((project.exp("e") / "state").glob("*/df.*"))
    assert [f.suffix for f in files] == [".parquet"]
    assert ginpipe.load_state(project.exp("e"))["df"]["path"].tolist() == ["a.wav", "b.wav"]


def test_python_api_in_a_loop(project):
    totals = []
    for factor in (1, 2, 3):
        state = project.run("base.gin", mods=[f"double.factor={factor}"], name=f"grid{factor}")
        totals.append(state["total"])
    assert totals == [45, 90, 135]


def test_experiments_of_a_project_share_identical_tasks(project):
    project.run("base.gin", name="first")
    state = project.run("base.gin", mods=["double.factor=5"], name="second")
    runs = json.loads((project.exp("second") / "run.json").read_text())["tasks"]
    assert [(t["label"], t["status"], t.get("from")) for t in runs] == [
        ("01-set_seed", "cached", "first"), ("02-load", "cached", "first"),
        ("03-double", "done", None), ("04-total", "done", None)]
    assert state["total"] == 225
    # the second experiment holds its own copy (a hard link): deleting the first loses nothing
    import shutil
    shutil.rmtree(project.exp("first"))
    assert ginpipe.load_state(project.exp("second"))["data"] == list(range(10))


def test_editing_project_code_a_task_used_reruns_it(project):
    project.write("tasks/values.py", "def make_value():\n    return 1\n")
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @keep]\nkeep.obj = @make_value()\n")
    project.run("c.gin")
    project.write("tasks/values.py", "def make_value():\n    return 2\n")
    for module in [m for m in list(__import__("sys").modules) if m.startswith("tasks")]:
        del __import__("sys").modules[module]
    assert project.run("c.gin")["obj"] == 2
    assert statuses(project) == {"01-set_seed": "cached", "02-keep": "done"}


def test_a_new_experiment_is_planned_and_filled_from_a_siblings_cache(project):
    project.cli("base.gin", "--experiment-name", "a", check=True)
    labels = ("01-set_seed", "02-load", "03-double", "04-total")
    plan = project.cli("base.gin", "--experiment-name", "b", "--dry-run", check=True).stdout
    assert "# Plan for experiments/my_project/b (new experiment)" in plan
    assert all(f"cached  {label}  (from experiment a)" in plan for label in labels), plan
    changed = project.cli("base.gin", "--experiment-name", "c", "--mods", "load.n=11", "--dry-run", check=True).stdout
    assert "cached  01-set_seed  (from experiment a)" in changed
    assert "run     02-load  (never ran; experiment a's differs: load.n: 10 -> 11)" in changed
    alone = project.cli("base.gin", "--experiment-name", "d", "--mods", "load.n=11", "--no-cache", "--dry-run",
                        check=True).stdout
    assert "run     04-total  (caching off)" in alone  # no "after earlier tasks" where nothing can be reused
    project.cli("base.gin", "--experiment-name", "b", check=True)
    assert statuses(project, "b") == dict.fromkeys(labels, "cached")
    # the adopted tasks are on record in its own index and run.json (written at the end of the run)
    index = json.loads((project.exp("b") / "state" / "index.json").read_text())
    assert sorted(index["tasks"]) == list(labels)
    assert json.loads((project.exp("b") / "run.json").read_text())["tasks"][0]["from"] == "a"
