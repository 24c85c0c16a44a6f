"""`ginpipe gc` removes only what ginpipe recorded, and each folder whole (issue 27, classes 1, 2, 4):

* a task's own folders are results, whatever their names look like (`report-20241201/`,
  `logs/training-0123abcd/`): only what `set_aside` recorded goes;
* a cache is kept while an experiment that recorded using it exists, wherever it lives (an
  `--output-dir` outside the folder gc was given), and goes once that experiment is gone;
* a gc killed midway leaves every folder whole or out of sight, and the next gc finishes the job.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import make_project
from tests.support.snapshot import Snapshot
from tests.tools.test_gc import STEPS, _cache

REPO = Path(__file__).resolve().parents[2]

REPORT_STEPS = STEPS + '''

def write_report(state):
    """A task's own outputs, named as a changed fit's set-aside folders happen to be named."""
    folder = Path(state["output_dir"])
    for sub in ("report-20241201", "logs/training-0123abcd", "checkpoints-89abcdef"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / "summary.txt").write_text("the results of " + sub)
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    yield from make_project(tmp_path, monkeypatch, "execute_pipeline.tasks = [@make_cache, @read_cache]\n",
                            REPORT_STEPS)


def test_a_tasks_own_folders_are_never_taken_for_set_aside_outputs(project):
    project.cli("base.gin", "--experiment-name", "r", "--mods",
                "execute_pipeline.tasks=[@make_cache, @read_cache, @write_report]", check=True)
    kept = Snapshot(project.exp("r"))
    done = project.cli("gc", ".", check=True)
    assert done.stdout == "freed 0 B (0 folders)\n"
    assert kept.changes() == []

    # What fit_model sets aside, through ginpipe.io.set_aside, is recorded and goes; the rest stays.
    (project.exp("r") / "checkpoints").mkdir()
    (project.exp("r") / "checkpoints" / "last.ckpt").write_bytes(b"c" * 3000)
    subprocess.run([sys.executable, "-c", "import sys; from ginpipe.io import set_aside;"
                    " print(set_aside(sys.argv[1], 'checkpoints-89abcdef'))", str(project.exp("r") / "checkpoints")],
                   check=True, capture_output=True, text=True)
    assert (project.exp("r") / "checkpoints-89abcdef" / "summary.txt").is_file()  # not replaced: not set aside
    assert (project.exp("r") / "checkpoints-89abcdef-2" / "last.ckpt").is_file()
    done = project.cli("gc", ".", check=True)
    assert done.stdout.splitlines() == [
        "removed  experiments/my_project/r/checkpoints-89abcdef-2  (set aside by a changed fit, 2.9 kB)",
        "freed 2.9 kB (1 folder)"]
    assert kept.lost() == []


def test_a_cache_used_by_an_experiment_outside_the_folder_is_kept_until_that_experiment_is_gone(project):
    elsewhere = project.root.parent / "elsewhere" / "run1"
    project.cli("base.gin", "--output-dir", str(elsewhere), "--mods", "make_cache.n=7", check=True)
    project.cli("base.gin", "--experiment-name", "here", check=True)  # a project that has experiments
    cache = _cache(project, 7)
    before = Snapshot(cache)
    done = project.cli("gc", ".", check=True)
    assert done.stdout.splitlines() == [f"keep    data/cache/{cache.name}: used by {elsewhere}",
                                        "freed 0 B (0 folders)"]
    assert before.changes() == []
    rerun = project.cli("base.gin", "--output-dir", str(elsewhere), "--mods", "make_cache.n=7", "--from", "read_cache",
                        check=True)
    assert rerun.returncode == 0

    # A sibling that took both tasks from run1 (hard links, no task ran, so nothing was recorded)
    # keeps the cache after run1 is deleted; once it is gone too, the cache goes.
    project.cli("base.gin", "--output-dir", str(elsewhere.parent / "run2"), "--mods", "make_cache.n=7", check=True)
    tasks = json.loads((elsewhere.parent / "run2" / "run.json").read_text())["tasks"]
    assert [(t["status"], t.get("from")) for t in tasks] == [("cached", "run1")] * 2
    shutil.rmtree(elsewhere)
    done = project.cli("gc", ".", check=True)
    assert done.stdout.splitlines() == [f"keep    data/cache/{cache.name}: used by {elsewhere.parent / 'run2'}",
                                        "freed 0 B (0 folders)"]
    shutil.rmtree(elsewhere.parent / "run2")
    done = project.cli("gc", ".", check=True)
    assert done.stdout.splitlines()[0].startswith(f"removed  data/cache/{cache.name}  (test cache no experiment uses")
    assert not cache.exists() and _cache(project, 3).is_dir()


KILLED_GC = """
import sys
from tests.support.kill_tracer import KillPoint, KillTracer, Target
tracer = KillTracer([Target("rmtree", "rmtree", "shutil.py")], KillPoint("rmtree", 1, io=int(sys.argv[1])))
tracer.install()
from ginpipe.cli import main
main(["gc", ".", "--failed-older-than", "0s"])
"""


@pytest.mark.parametrize("io", [3, 9])
def test_a_gc_killed_midway_leaves_folders_whole_and_the_next_gc_finishes(project, io):
    project.cli("base.gin", "--experiment-name", "ok", check=True)
    failed = project.cli("base.gin", "--experiment-name", "f", "--mods", "execute_pipeline.tasks=[@explode]")
    assert failed.returncode == 2
    whole = Snapshot(project.exp("f"))
    kept = Snapshot(project.root, excluding=["experiments/my_project/f", "experiments/my_project/.ginpipe-trash"])
    killed = subprocess.run([sys.executable, "-c", KILLED_GC, str(io)], cwd=project.root, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert killed.returncode == -9, killed.stderr
    assert kept.changes() == []
    assert not project.exp("f").exists() or whole.changes() == []  # whole, or out of sight
    status = project.cli("status", "experiments/my_project", check=True)
    assert [line.split()[0] for line in status.stdout.splitlines()[1:]] == ["experiments/my_project/ok"]

    done = project.cli("gc", ".", "--failed-older-than", "0s", check=True)
    removed = [line.split("  ")[1:3] for line in done.stdout.splitlines() if line.startswith("removed")]
    assert [why.split(",")[0] for _, why in removed] == ["(left by an interrupted gc"]
    assert removed[0][0].startswith("experiments/my_project/.ginpipe-trash/f-")
    assert not project.exp("f").exists() and not (project.root / "experiments/my_project/.ginpipe-trash").exists()
    assert kept.changes() == []


# In a private mount namespace: the project's data/ is a 1 MiB tmpfs, which a cache fills to the last byte.
FULL_DATA = """
mount -t tmpfs -o size=1m ginpipe-test-full data || exit 97
"$2" -m ginpipe.cli base.gin --experiment-name gone -q --mods make_cache.n=5 >/dev/null || exit 3
"$2" -m ginpipe.cli base.gin --experiment-name kept -q >/dev/null || exit 3
rm -r experiments/my_project/gone
head -c 2000000 /dev/zero > "$1/fill.bin" 2>/dev/null
"$2" -m ginpipe.cli gc .
status=$?
ls -A data/cache
exit $status
"""


def test_gc_frees_a_full_disk(project):
    """Where there is no room left for a trash folder, the removal frees the space first."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("mounting a small tmpfs needs root and unshare")
    (project.root / "data").mkdir()
    cache = _cache(project, 5).relative_to(project.root)
    done = subprocess.run([unshare, "-m", "sh", "-c", FULL_DATA, "sh", str(cache), sys.executable], cwd=project.root,
                          capture_output=True, text=True, timeout=300)
    if done.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(rf"removed  {cache}  \(test cache no experiment uses, 9\d\d\.\d kB\)", lines[0]), lines
    assert lines[1].startswith("freed ") and lines[2:] == [_cache(project, 3).name]
