"""Warm members (`--launcher warm`): forks of one process that imported the libraries once, with the
same outputs, run.json, logs, failures and resume as members started as fresh processes."""
import json
import os

import pytest

import ginpipe
from ginpipe.runs.options import RunOptions
from ginpipe.sweeps.warm_start import distributed
from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="warm members need os.fork")

SWEEP = ["base.gin", "--sweep", "double.factor=[1,500,2]", "--mods", "check.limit=100"]


def member_view(experiments, name):
    """What a member left that does not depend on the process that ran it."""
    folder = experiments / "my_project" / name
    run = json.loads((folder / "run.json").read_text())
    tasks = [(t["label"], t["status"], t.get("key"), t.get("reads"), t.get("writes")) for t in run["tasks"]]
    state = ginpipe.load_state(folder) if run["status"] == "done" else None
    argv = run["argv"]
    return {"status": run["status"], "error": run.get("error"), "tasks": tasks, "argv0": os.path.basename(argv[0]),
            "argv": argv[1:], "command": run["command"],
            "state": None if state is None else {k: state[k] for k in ("data2", "metrics")},
            "log_has_member": f"Experiment experiments/my_project/{name}" in
            (folder / "logs" / "run.log").read_text()}


def test_warm_members_match_fresh_ones_then_resume_alike(project):
    fresh = project.cli(*SWEEP, "--experiment-name", "m")
    (project.root / "experiments").rename(project.root / "fresh")  # nothing to share with the warm sweep
    warm = project.cli(*SWEEP, "--experiment-name", "m", "--launcher", "warm")
    assert fresh.returncode == warm.returncode == 2
    assert [line.split()[:2] for line in warm.stdout.splitlines() if "__factor=" in line] == [
        line.split()[:2] for line in fresh.stdout.splitlines() if "__factor=" in line]
    assert "Task `04-check` failed: ValueError: 4500 is over the limit 100" in warm.stdout
    for factor in (1, 500, 2):
        mine = member_view(project.root / "experiments", f"m__factor={factor}")
        assert mine == member_view(project.root / "fresh", f"m__factor={factor}")
    pids = {line.split()[1] for line in (project.root / "calls.log").read_text().splitlines()}
    assert len(pids) >= 5  # every member ran in a process of its own (3 fresh, at least 2 forks)

    steps = project.root / "tasks" / "steps.py"
    steps.write_text(steps.read_text().replace("if max(state[\"data2\"]) > limit:", "if False:"))
    again = project.cli(*SWEEP, "--experiment-name", "m", "--launcher", "warm")
    assert again.returncode == 0, again.stderr
    # the finished members ran the old `check`: they rerun it (issue 22), the failed one resumes
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["done", "done", "done"]
    assert project.statuses("m__factor=1")["04-check"] == "done"
    assert project.statuses("m__factor=500")["04-check"] == "cached from m__factor=1"  # it reads nothing now
    assert project.statuses("m__factor=500")["01-set_seed"] == "cached"  # resumed after its last task


def test_run_returns_a_members_exit_code(project):
    from ginpipe.sweeps.launchers import WarmLauncher
    launcher = WarmLauncher(jobs=1, gpus=[])
    ok = RunOptions.from_argv(["base.gin", "--experiment-name", "one", "-q"])
    bad = RunOptions.from_argv(["base.gin", "--experiment-name", "two", "-q", "--mods", "check.limit=1"])
    assert launcher.run(ok) == 0 and launcher.run(bad) == 2
    assert project.run_json("one")["status"] == "done" and project.run_json("two")["status"] == "failed"


@pytest.mark.parametrize("mods, expected", [
    (["pl.Trainer.strategy='ddp'"], True), (["pl.Trainer.devices=2"], True), (["pl.Trainer.devices=[0, 1]"], True),
    (["pl.Trainer.num_nodes=2"], True), (["pl.Trainer.strategy=@pl.strategies.DDPStrategy()"], True),
    (["pl.Trainer.devices=1"], False), (["pl.Trainer.strategy='auto'"], False), ([], False)])
def test_distributed_members_are_not_forked(project, mods, expected):
    project.write("dist.gin", "import lightning.pytorch as pl\n" + (project.root / "base.gin").read_text()
                  + "split_dataset.strategy = @split_random\n")  # another function's `strategy`: no training
    assert distributed(RunOptions(["dist.gin"], mods)) is expected
