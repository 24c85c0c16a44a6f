"""Failures while a run writes: a task that raises, a folder in use, not writable, a full disk.

Each leaves the finished experiment `keep` byte for byte as it was, exits with code 2 and a message
naming the task, folder or file, and leaves no half-written file in the failed experiment.
"""
from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.file_checks import check_folders
from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests

GINPIPE = [sys.executable, "-m", "ginpipe.cli"]


def _error(stderr: str) -> str:
    """The error message, after the progress lines the run printed before it failed."""
    return stderr[stderr.index("error: "):]


def _no_partial_files(experiment: Path) -> None:
    assert check_folders(experiment) == []
    index = json.loads((experiment / "state" / "index.json").read_text())
    for record in index["tasks"].values():  # the index names only files that are there
        for entry in record["writes"].values():
            assert entry["file"] is None or (experiment / "state" / record["folder"] / entry["file"]).is_file()


def test_a_task_that_raises_names_itself_and_the_command_that_resumes(project):
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @explode]\n")
    done = project.cli("c.gin", "--experiment-name", "boom")
    assert done.returncode == 2
    assert _error(done.stderr).startswith("error: Task `02-explode` failed: RuntimeError: boom\n"
                                  "Fix the cause, then resume (finished tasks come from the cache) with:\n"
                                  "    ginpipe c.gin --experiment-name boom --resume\n")
    assert project.keep.changes() == []
    _no_partial_files(project.exp("boom"))
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @load]\n")  # the fix...
    resumed = project.cli(*shlex.split(_error(done.stderr).splitlines()[2])[1:])  # ...and the command as printed
    assert resumed.returncode == 0, resumed.stderr
    assert project.statuses("boom") == {"01-set_seed": "cached", "02-load": "done"}


def test_a_second_run_in_a_folder_in_use_is_refused_and_the_first_completes(project):
    project.write("slow.gin", "double.pause = 3\n")
    first = subprocess.Popen([*GINPIPE, "base.gin", "slow.gin", "--experiment-name", "busy"], cwd=project.root,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = project.exp("busy") / "logs" / "run.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.is_file() and "▶ 03-double" in log.read_text()):
        time.sleep(0.05)
    second = project.cli("base.gin", "slow.gin", "--experiment-name", "busy")
    assert first.poll() is None  # the first was still running when the second was refused
    assert second.returncode == 2
    assert second.stderr == (f"error: Another run (pid {first.pid}) is using experiments/my_project/busy.\n"
                             "Wait for it to finish, or use another --experiment-name.\n")
    assert first.wait(60) == 0, first.stderr.read()
    run = project.run_json("busy")
    assert run["status"] == "done" and run["pid"] == first.pid
    assert set(project.statuses("busy").values()) <= {"done", "cached from keep"}
    assert log.read_text().count("| Experiment ") == 1  # the refused run wrote nothing there
    assert project.keep.changes() == []


def _read_only(folder: Path, command: list[str]) -> tuple[list[str], str]:
    """`command` run with `folder` read-only, and how (root ignores permissions: a read-only mount)."""
    if os.geteuid() != 0:
        return command, "permissions"
    unshare = shutil.which("unshare")
    probe = unshare and subprocess.run([unshare, "-m", "sh", "-c", 'mount --bind "$1" "$1" &&'
                                        ' mount -o remount,bind,ro "$1" "$1"', "sh", str(folder)],
                                       capture_output=True)
    if probe and probe.returncode == 0:
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
        return [unshare, "-m", "sh", "-c", script, "sh", str(folder), *command], "mount"
    pytest.skip("running as root without the right to mount: no honest way to make a folder read-only"
                f" ({probe.stderr.decode().strip() if probe else 'no unshare'})")


@pytest.mark.parametrize("target", ["the finished experiment", "a new experiment in a read-only project"])
def test_a_folder_that_is_not_writable_is_refused_and_left_as_it_was(project, target):
    folder = project.exp("keep") if target == "the finished experiment" else project.exp("keep").parent
    name = "keep" if target == "the finished experiment" else "new"
    command, how = _read_only(folder, [*GINPIPE, "base.gin", "--experiment-name", name, "--resume"])
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    if how == "permissions":
        for p in modes:
            p.chmod(modes[p] & ~0o222)
    try:
        done = subprocess.run(command, cwd=project.root, capture_output=True, text=True, timeout=120)
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    reason = "Read-only file system" if how == "mount" else "Permission denied"
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: Cannot write the experiment folder experiments/my_project/{name}:"
                                  f" {reason}"), done.stderr
    assert "Make it writable, or choose a writable place with --output-dir." in done.stderr
    assert project.keep.changes() == []
    assert not project.exp("new").exists()


# In a private mount namespace: a 1 MiB tmpfs as the experiment folder, the run, then a copy of what
# it left (the tmpfs goes away with the namespace).
FULL_DISK = """
mount -t tmpfs -o size=1m ginpipe-test-full {mount} || exit 97
"$@"
status=$?
cp -a {mount}/. {copy}/
exit $status
"""


def test_a_full_disk_while_saving_state_stops_the_run_with_no_partial_file(project):
    """Simulated with a 1 MiB tmpfs mounted (in a private mount namespace) as the experiment folder."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("mounting a small tmpfs needs root and unshare (the file-size-limit case still runs)")
    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @big]\n")
    mount_point, copy = project.exp("full"), project.root / "full-copy"
    mount_point.mkdir(parents=True)
    copy.mkdir()
    script = FULL_DISK.format(mount=shlex.quote(str(mount_point)), copy=shlex.quote(str(copy)))
    done = subprocess.run([unshare, "-m", "sh", "-c", script, "sh", *GINPIPE, "c.gin", "--experiment-name", "full"],
                          cwd=project.root, capture_output=True, text=True, timeout=120)
    if done.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert _error(done.stderr).startswith(
        "error: Cannot write to the experiment folder: No space left on device while saving state key 'big'"
        " of task `02-big` (experiments/my_project/full/state/02-big).\n"), done.stderr
    assert "ginpipe c.gin --experiment-name full --resume" in done.stderr and "Traceback" not in done.stderr
    _no_partial_files(copy)
    assert list(json.loads((copy / "state" / "index.json").read_text())["tasks"]) == ["01-set_seed"]
    assert json.loads((copy / "run.json").read_text())["status"] == "failed"
    assert project.keep.changes() == []


def test_a_file_size_limit_while_saving_state_stops_the_run_with_no_partial_file(project):
    """Simulated with RLIMIT_FSIZE (1 MiB) on the run, SIGXFSZ ignored: writes past it fail with EFBIG."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    project.write("c.gin", "execute_pipeline.tasks = [@set_seed, @big]\n")
    done = subprocess.run([*GINPIPE, "c.gin", "--experiment-name", "limited"], cwd=project.root,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert done.returncode == 2, done.stderr
    assert _error(done.stderr).startswith(
        "error: Cannot write to the experiment folder: File too large while saving state key 'big' of task"
        " `02-big` (experiments/my_project/limited/state/02-big).\n"), done.stderr
    _no_partial_files(project.exp("limited"))
    assert list(json.loads((project.exp("limited") / "state" / "index.json").read_text())["tasks"]) == ["01-set_seed"]
    assert project.keep.changes() == []
