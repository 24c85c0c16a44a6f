"""Sweeps: members, names, the shared prefix, failures, resume, parallel jobs and GPUs."""
import os
import signal
import subprocess
import sys
import time

import pytest

from ginpipe.errors import ConfigError
from ginpipe.runs.options import RunOptions
from ginpipe.sweeps.sweep_plan import plan_sweep
from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests

SWEEP_GIN = """
include 'base.gin'
!sweep:
    double.factor = [1, 2]
"""


def test_members_are_the_grid_named_from_their_values(project):
    sweep = plan_sweep(RunOptions(["base.gin"]), ["double.factor=[1, 2]", "score.offset=[1e-3, 0.5]"])
    assert [m.name for m in sweep.members] == [
        "base__factor=1__offset=0.001", "base__factor=1__offset=0.5",
        "base__factor=2__offset=0.001", "base__factor=2__offset=0.5"]
    assert sweep.members[1].mods == ["double.factor=1", "score.offset=0.5"]
    assert sweep.members[1].argv == ["base.gin", "--mods", "double.factor=1", "score.offset=0.5",
                                     "--experiment-name", "base__factor=1__offset=0.5"]
    assert str(sweep.members[0].folder) == "experiments/my_project/base__factor=1__offset=0.001"


def test_a_gin_file_declares_a_sweep_and_flags_replace_or_fix_its_axes(project):
    project.write("sweep.gin", SWEEP_GIN)
    assert [m.name for m in plan_sweep(RunOptions(["sweep.gin"])).members] == ["sweep__factor=1", "sweep__factor=2"]
    replaced = plan_sweep(RunOptions(["sweep.gin"], experiment_name="x"), ["double.factor=[5]"])
    assert [m.name for m in replaced.members] == ["x__factor=5"]
    assert plan_sweep(RunOptions(["sweep.gin"], mods=["double.factor=3"])) is None  # --mods fixes the axis: a plain run
    strings = plan_sweep(RunOptions(["base.gin"], project_name="p"), ["MODE=['a b', @double]", "load.n=[1]"])
    assert [m.name for m in strings.members] == ["base__MODE=a-b__n=1", "base__MODE=double__n=1"]
    assert strings.members[0].mods == ["MODE='a b'", "load.n=1"]
    assert str(strings.members[0].folder) == "experiments/p/base__MODE=a-b__n=1"


def test_a_sweep_axis_that_is_not_a_list_names_the_users_line(project):
    project.write("bad.gin", "include 'base.gin'\n!sweep:\n    double.factor = 3\n")
    with pytest.raises(ConfigError) as e:
        plan_sweep(RunOptions(["bad.gin"]))
    assert e.value.render() == (
        "A sweep axis needs a non-empty list of values: 'double.factor = 3'.\n"
        'In file "bad.gin", line 3:\n    double.factor = 3\n'
        "Write e.g. `Resnet.n_layers = [8, 14, 20]`.")


def test_sequential_sweep_runs_the_shared_prefix_once(project):
    done = project.cli("base.gin", "--sweep", "double.factor=[1,2]", "--sweep", "score.offset=[0,1]", check=True)
    names = ["base__factor=1__offset=0", "base__factor=1__offset=1", "base__factor=2__offset=0",
             "base__factor=2__offset=1"]
    assert project.calls().count("load") == 1 and project.calls().count("double") == 2
    assert project.calls().count("score") == 4
    assert project.statuses(names[0])["02-load"] == "done"
    assert project.statuses(names[3]) == {"01-set_seed": "cached from base__factor=2__offset=0",
                                          "02-load": "cached from base__factor=2__offset=0",
                                          "03-double": "cached from base__factor=2__offset=0",
                                          "04-check": "cached from base__factor=2__offset=0",
                                          "05-score": "done"}
    assert project.run_json(names[2])["command"] == (
        "ginpipe base.gin --mods double.factor=2 score.offset=0 --experiment-name base__factor=2__offset=0")
    for name in names:
        assert f"done     {name}" in done.stdout


def test_parallel_jobs_run_the_shared_prefix_once(project):
    done = project.cli("base.gin", "--sweep", "double.factor=[1,2]", "--sweep", "score.offset=[0,1]",
                       "--mods", "load.pause=0.5", "--jobs", "4", check=True)
    assert project.calls().count("load") == 1  # the other members waited for the first one's load
    assert project.calls().count("double") == 2  # one per factor, though 4 members ran at once
    assert project.calls().count("score") == 4
    assert done.stdout.count("done     ") == 4
    assert "[factor=2__offset=1] " in done.stderr  # parallel members' output is prefixed


def test_a_failed_member_does_not_stop_the_others_and_is_reported(project):
    done = project.cli("base.gin", "--sweep", "double.factor=[1,500,2]", "--mods", "check.limit=100")
    assert done.returncode == 2
    assert "done     base__factor=1 " in done.stdout and "done     base__factor=2 " in done.stdout
    assert "failed   base__factor=500" in done.stdout
    assert "Task `04-check` failed: ValueError: 4500 is over the limit 100" in done.stdout
    assert done.stderr.splitlines()[-2:] == [
        "error: 1 of 3 sweep members failed: base__factor=500.",
        "Logs: experiments/my_project/base__factor=500/logs/run.log. Fix the cause and run the same command again:"
        " finished members are skipped, failed ones resume after their last finished task."]
    # fix the cause (here, the task's code) and run the same command: the failed member resumes
    steps = project.root / "tasks" / "steps.py"
    steps.write_text(steps.read_text().replace("if max(state[\"data2\"]) > limit:", "if False:"))
    done = project.cli("base.gin", "--sweep", "double.factor=[1,500,2]", "--mods", "check.limit=100")
    assert done.returncode == 0, done.stderr
    # the finished members ran the old `check`: they are not skipped, and rerun that task alone
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["done", "done", "done"]
    assert project.statuses("base__factor=1") == {"01-set_seed": "cached", "02-load": "cached",
                                                  "03-double": "cached", "04-check": "done", "05-score": "cached"}
    # the edited `check` reads nothing (`if False:`): member 1's run of it serves the others too
    assert project.statuses("base__factor=500")["04-check"] == "cached from base__factor=1"


def test_an_interrupted_sweep_resumes(project):
    args = ["base.gin", "--sweep", "double.factor=[1,2,3]", "--mods", "double.pause=1.0"]
    sweep = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    second = project.exp("base__factor=2")
    deadline = time.monotonic() + 60
    while not (second / "run.json").is_file() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(sweep.pid, signal.SIGKILL)  # the whole sweep dies, as when a node goes down
    sweep.wait()
    assert project.run_json("base__factor=1")["status"] == "done"
    assert project.run_json("base__factor=2")["status"] == "running"
    assert not project.exp("base__factor=3").exists()
    calls_before = len(project.calls())

    done = project.cli(*args, check=True)
    assert done.stdout.splitlines()[0].startswith("skipped  base__factor=1 ")
    assert "done     base__factor=2 " in done.stdout and "done     base__factor=3 " in done.stdout
    assert project.calls()[calls_before:] == ["double", "score", "double", "score"]  # no load: it was kept
    assert project.statuses("base__factor=2")["02-load"] in ("cached", "cached from base__factor=1")


def test_parallel_members_run_on_distinct_gpus(project):
    project.write("gpu.gin", "execute_pipeline.tasks = [@set_seed, @record_gpu]\n")
    project.cli("gpu.gin", "--sweep", "set_seed.seed=[1,2]", "--jobs", "2",
                env={"CUDA_VISIBLE_DEVICES": "3,5"}, check=True)
    records = [p.read_text().split() for p in project.root.glob("gpu-*.txt")]
    assert sorted(gpu for gpu, _ in records) == ["3", "5"]


def test_jobs_without_a_sweep_is_an_error(project):
    done = project.cli("base.gin", "--jobs", "2")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --jobs and --launcher run sweeps, and these configs declare none.")


def test_dry_run_lists_the_member_commands(project):
    project.write("sweep.gin", SWEEP_GIN)
    done = project.cli("sweep.gin", "--dry-run", check=True)
    assert done.stdout.splitlines() == [
        "Sweep sweep: 2 members (2) in experiments/my_project",
        "  ginpipe sweep.gin --mods double.factor=1 --experiment-name sweep__factor=1",
        "  ginpipe sweep.gin --mods double.factor=2 --experiment-name sweep__factor=2"]
    assert not (project.root / "experiments").exists()


def test_a_member_whose_folder_holds_another_config_is_refused_before_any_member_starts(project):
    project.cli("base.gin", "--mods", "double.factor=7", "--experiment-name", "base__factor=3", "-q", check=True)
    before = project.calls()
    for dry in ([], ["--dry-run"]):
        done = project.cli("base.gin", "--sweep", "double.factor=[1,2,3]", "--jobs", "2", *dry)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: Experiment experiments/my_project/base__factor=3 already exists with"
                                      " a different config:"), done.stderr
        assert "Pass --resume to reuse what is still valid" in done.stderr
    assert project.calls() == before  # no member ran a task
    assert sorted(p.name for p in (project.root / "experiments" / "my_project").iterdir()) == ["base__factor=3"]
