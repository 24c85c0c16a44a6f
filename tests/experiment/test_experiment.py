"""The experiment folder: what it holds, and how earlier results are protected."""
import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import ginpipe
from ginpipe.errors import ConfigError, ExperimentError


def test_folder_holds_config_operative_config_run_environment_logs_state(project):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
        subprocess.run(git + command, cwd=project.root, check=True)
    project.write("base.gin", project.root.joinpath("base.gin").read_text() + "# edited\n")
    project.cli("base.gin", "--experiment-name", "e", check=True)
    folder = project.exp("e")
    assert "load.n = 10" in (folder / "config.gin").read_text()
    assert "double.factor = 2" in (folder / "operative_config.gin").read_text()  # default, used
    run_json = json.loads((folder / "run.json").read_text())
    assert run_json["status"] == "done" and run_json["ended"] and run_json["argv"][-1] == "e"
    env = json.loads((folder / "environment.json").read_text())
    assert env["python"] == sys.version.split()[0]
    assert env["packages"]["gin-config"] == "0.5.0"
    assert len(env["git"]["commit"]) == 40 and env["git"]["dirty"] is True
    assert "+# edited" in env["git"]["diff"]
    log = (folder / "logs" / "run.log").read_text()
    assert "▶ 03-double" in log and "✓ 04-total" in log
    assert sorted(p.name for p in (folder / "state").iterdir()) == [
        "01-set_seed", "02-load", "03-double", "04-total", "index.json"]


def test_different_config_is_refused_with_a_diff_and_nothing_changes(project):
    project.run("base.gin")
    before = {p: p.read_bytes() for p in project.exp("e").rglob("*") if p.is_file()}
    with pytest.raises(ExperimentError) as e:
        project.run("base.gin", mods=["double.factor=7"])
    message = str(e.value)
    assert "already exists with a different config" in message
    assert "+double.factor = 7" in message
    # Called from Python, the fix speaks Python: the keyword arguments, not the command's flags.
    assert message.endswith("Pass resume=True to reuse what is still valid and rerun what changed,"
                            " overwrite=True to start it afresh, or another experiment_name."), message
    assert "--" not in message.replace("--- ", "")
    after = {p: p.read_bytes() for p in project.exp("e").rglob("*") if p.is_file()}
    assert after == before


def test_overwrite_starts_afresh(project):
    project.run("base.gin")
    (project.exp("e") / "notes.txt").write_text("old")
    project.run("base.gin", mods=["double.factor=7"], overwrite=True)
    assert not (project.exp("e") / "notes.txt").exists()
    runs = json.loads((project.exp("e") / "run.json").read_text())["tasks"]
    assert {t["status"] for t in runs} == {"done"}


def test_a_folder_in_use_is_refused(project):
    folder = project.exp("e")
    folder.mkdir(parents=True)
    with open(folder / ".lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        holder.write("4242")
        holder.flush()
        with pytest.raises(ExperimentError, match=r"Another run \(pid 4242\) is using"):
            project.run("base.gin")


def test_non_zero_ranks_write_nothing(project, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("GINPIPE_EXPERIMENT_NAME", "from_rank0")
    state = ginpipe.run(["base.gin"])
    assert state["total"] == 90 and state["output_dir"] == "experiments/my_project/from_rank0"
    assert not (project.root / "experiments").exists()


def test_dry_run_prints_config_and_plan_and_writes_nothing(project):
    done = project.cli("base.gin", "--experiment-name", "d", "--dry-run", check=True)
    assert "load.n = 10" in done.stdout and "run     03-double" in done.stdout
    assert not (project.root / "experiments").exists()
    project.cli("base.gin", "--experiment-name", "d", check=True)
    done = project.cli("base.gin", "--experiment-name", "d", "--dry-run", "--resume", "--mods",
                       "double.factor=3", check=True)
    assert "cached  02-load" in done.stdout and "run     03-double  (inputs changed: double.factor: (default) -> 3)" in done.stdout
    refused = project.cli("base.gin", "--experiment-name", "d", "--dry-run", "--mods", "double.factor=3")
    assert refused.returncode == 2  # as the run itself: a different config needs --resume or --overwrite
    assert "run     03-double  (inputs changed: double.factor: (default) -> 3)" in refused.stdout and "Pass --resume" in refused.stderr


def test_sigkill_inside_a_task_leaves_no_partial_file_and_resumes(project):
    project.write("slow.gin", "double.pause = 30\n")
    args = [sys.executable, "-m", "ginpipe.cli", "base.gin", "slow.gin", "--experiment-name", "k"]
    process = subprocess.Popen(args, cwd=project.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    log = project.exp("k") / "logs" / "run.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and "▶ 03-double" in log.read_text()):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    state_dir = project.exp("k") / "state"
    index = json.loads((state_dir / "index.json").read_text())
    assert sorted(index["tasks"]) == ["01-set_seed", "02-load"]
    for path in state_dir.rglob("*"):  # every file there is complete and loadable
        assert not path.name.startswith(".tmp")
    assert ginpipe.load_state(project.exp("k"))["data"] == list(range(10))
    done = project.cli("base.gin", "--experiment-name", "k", "--resume", check=True)  # without the pause
    assert done.returncode == 0
    statuses = {t["label"]: t["status"] for t in json.loads((project.exp("k") / "run.json").read_text())["tasks"]}
    assert statuses == {"01-set_seed": "cached", "02-load": "cached", "03-double": "done", "04-total": "done"}


def test_errors_from_python_name_keyword_arguments_not_flags(project):
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", from_task="dubble")
    assert str(e.value).startswith("from_task='dubble': no task of that name in the pipeline. Did you mean `double`?")
    project.run("base.gin")
    with pytest.raises(ExperimentError) as e:
        project.run("base.gin", resume=True, overwrite=True)
    assert str(e.value) == "resume=True and overwrite=True contradict each other: pass one of them."
