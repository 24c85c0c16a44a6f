"""Interruptions and the state of a folder: Ctrl-C, SIGKILL, a failed --resume, and the commands
and Python calls whose answers must be clean and work as printed."""
from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time

import pytest
from folder_snapshot import Snapshot
from tree_checks import assert_clean_refusal

GINPIPE = [sys.executable, "-m", "ginpipe.cli"]


def _start_slow(project, name: str) -> subprocess.Popen:
    project.write("slow.gin", "double.pause = 30\n")
    process = subprocess.Popen([*GINPIPE, "base.gin", "slow.gin", "--experiment-name", name], cwd=project.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = project.exp(name) / "logs" / "run.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.is_file() and "▶ 03-double" in log.read_text()):
        time.sleep(0.05)
    return process


def test_ctrl_c_says_interrupted_gives_the_resume_command_and_exits_130(project, tmp_path):
    outside = Snapshot(project.root, excluding=["experiments/my_project/intr", "slow.gin"])  # the test edits slow.gin
    process = _start_slow(project, "intr")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted: task `03-double` was stopped (Ctrl-C)" in err
    command = err.splitlines()[-1].strip()
    assert command == "ginpipe base.gin slow.gin --experiment-name intr --resume"
    assert project.run_json("intr")["status"] == "interrupted"
    status = project.cli("status", "experiments/my_project/intr")
    assert "interrupted" in status.stdout and "03-double (interrupted)" in status.stdout
    project.write("slow.gin", "double.pause = 0\n")
    resumed = project.cli(*shlex.split(command)[1:])  # the command exactly as printed
    assert resumed.returncode == 0, resumed.stderr
    assert project.statuses("intr")["02-load"] == "cached"
    assert outside.changes() == []


def test_a_killed_run_is_interrupted_not_running_in_status_and_compare(project):
    process = _start_slow(project, "killed")
    running = project.cli("status", "experiments/my_project/killed")
    assert f"running  pid {process.pid}" in running.stdout
    process.kill()
    process.wait()
    assert project.run_json("killed")["status"] == "running"  # what run.json was left saying
    status = project.cli("status", "experiments/my_project")
    lines = {line.split()[0]: line for line in status.stdout.splitlines()[1:]}
    assert " interrupted " in lines["experiments/my_project/killed"]
    assert "after 02-load" in lines["experiments/my_project/killed"]
    assert " done " in lines["experiments/my_project/keep"]
    compare = project.cli("compare", "experiments/my_project")
    assert "interrupted" in compare.stdout and "running" not in compare.stdout


def test_a_failed_resume_with_a_new_config_is_shown_as_failed(project):
    project.write("boom.gin", "execute_pipeline.tasks = [@set_seed, @load, @double, @explode]\n")
    metrics = project.exp("keep") / "metrics.json"
    metrics.write_text(json.dumps({"accuracy": 0.9}))  # what an earlier finished run left
    done = project.cli("base.gin", "boom.gin", "--experiment-name", "keep", "--resume")
    assert done.returncode == 2
    assert project.run_json("keep")["status"] == "failed"
    compare = project.cli("compare", "experiments/my_project/keep")
    assert "failed" in compare.stdout
    assert "is failed: its metrics (and model/) are from an earlier, finished run" in compare.stderr
    status = project.cli("status", "experiments/my_project/keep")
    assert " failed " in status.stdout


def test_a_failed_reproduce_suggests_a_command_that_works(project):
    project.write("tasks/flaky.py", "import os\n\n\ndef flaky(state):\n    if os.path.exists('FAIL'):\n"
                  "        raise RuntimeError('flaky')\n")
    project.write("ok.gin", "execute_pipeline.tasks = [@set_seed, @load, @flaky]\n")
    assert project.cli("ok.gin", "--experiment-name", "orig", "-q").returncode == 0
    (project.root / "FAIL").write_text("")
    failed = project.cli("reproduce", "experiments/my_project/orig", "--experiment-name", "again")
    error = assert_clean_refusal(failed, "Task `03-flaky` failed", "reproduce again (into a new folder)")
    assert "--resume" not in error
    (project.root / "FAIL").unlink()
    lines = error.splitlines()
    command = lines[lines.index("Fix the cause, then reproduce again (into a new folder) with:") + 1].strip()
    assert command == "ginpipe reproduce experiments/my_project/orig"
    again = project.cli(*shlex.split(command)[1:])
    assert again.returncode == 0, again.stderr


def test_dry_run_exits_2_when_the_run_would_be_refused(project):
    project.write("m.gin", "double.factor = 7\n")
    done = project.cli("base.gin", "m.gin", "--experiment-name", "keep", "--dry-run")
    assert_clean_refusal(done, "already exists with a different config", "Pass --resume")
    assert project.cli("base.gin", "m.gin", "--experiment-name", "keep", "--dry-run", "--resume").returncode == 0


def test_load_state_of_a_missing_or_foreign_folder_is_a_clear_error(project, tmp_path):
    import ginpipe
    from ginpipe.errors import ExperimentError
    with pytest.raises(ExperimentError, match="load_state: .*nowhere does not exist"):
        ginpipe.load_state(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ExperimentError, match="is not a ginpipe experiment with saved state"):
        ginpipe.load_state(tmp_path / "plain")
    assert ginpipe.load_state(project.exp("keep"))["total"] == 90


def test_run_takes_a_single_string_as_one_mod(project):
    import ginpipe
    state = ginpipe.run("base.gin", mods="double.factor=3", experiment_name="one_mod")
    assert state["total"] == 135


def test_quiet_runs_end_with_one_line_naming_the_folder_and_metric(project):
    project.write("tasks/score.py", 'def score(state):\n    state["metrics"] = {"accuracy": 0.75}\n')
    project.write("s.gin", "execute_pipeline.tasks = [@set_seed, @load, @score]\nscore.monitor = 'x'\n"
                  .replace("score.monitor = 'x'\n", ""))
    done = project.cli("s.gin", "--experiment-name", "scored", "-q")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == "done: experiments/my_project/scored  (accuracy = 0.75)\n"


def test_a_sweep_ends_with_a_table_of_its_members(project):
    done = project.cli("base.gin", "--sweep", "double.factor=[2,3]", "--experiment-name", "sw", "-q")
    assert done.returncode == 0, done.stderr
    table = done.stderr[done.stderr.index("\nexperiment ") + 1:].splitlines()
    assert table[0].split() == ["experiment", "double.factor"]
    assert table[1].split() == ["sw__factor=2", "2"] and table[2].split() == ["sw__factor=3", "3"]
