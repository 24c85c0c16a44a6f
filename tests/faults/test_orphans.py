"""Issue 27, class 6: a sweep's or study's members die with their command, and a rerun waits for (or
adopts) members another command still runs, instead of being refused or running them twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.projects import sweep_project as project  # noqa: F401 - the fixture

SWEEP = ["base.gin", "--sweep", "double.factor=[2,3]", "--mods", "double.pause=6", "-q"]
STUDY = ["study.gin", "--search", "double.factor=choice(2, 3)", "--sampler", "grid", "--trials", "2",
         "--objective", "total", "--direction", "max", "--mods", "double.pause=6", "--experiment-name", "s", "-q"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended: only its exit status is left


@pytest.mark.parametrize("command", ["sweep", "study"])
@pytest.mark.parametrize("launcher", ["warm", "local"])
def test_members_die_with_their_killed_command_and_the_rerun_finishes_them(project, command, launcher):
    if command == "study":
        pytest.importorskip("optuna", reason="the `search` dependency group is not installed")
    project.write("study.gin", "include 'base.gin'\ndouble.factor = 2\n")  # a search replaces a bound value
    args = [*(SWEEP if command == "sweep" else STUDY), "--jobs", "2", "--launcher", launcher]
    parent = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    members: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while project.calls().count("double") < 2 and time.monotonic() < deadline:  # both members are busy
            time.sleep(0.05)
        members = _children(parent.pid)
        assert len(members) == 2 and project.calls().count("double") == 2
        parent.send_signal(signal.SIGKILL)  # the command alone: its members get no signal from us
        parent.wait()
        deadline = time.monotonic() + 3  # well before the members' 6 s task would end
        while any(map(_alive, members)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p for p in members if _alive(p)] == []
    finally:
        for pid in members:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    done = project.cli(*args)
    assert done.returncode == 0, done.stderr
    assert project.calls().count("double") == 4  # each member's killed task ran again, once
    assert project.calls().count("score") == 2


def test_a_rerun_waits_for_the_members_another_command_runs_and_adopts_them(project):
    first = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *SWEEP], cwd=project.root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while project.calls().count("double") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = project.cli(*SWEEP[:-1])  # the same sweep while the first runs its first member
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "waiting for the run that holds it (pid " in second.stderr
    assert "finished by the earlier command's process, skipped" in second.stderr
    assert project.calls().count("double") == 2 and project.calls().count("score") == 2  # none ran twice
