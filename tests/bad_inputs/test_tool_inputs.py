"""Bad values and damaged records given to the tools and the sweep options (issue 27, classes 9,
10, 12): a clean error (exit 2) naming what is wrong, or one damaged folder named and skipped,
never a traceback, and not one byte of the finished experiment `keep` changed.
"""
from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys

import pytest

from tests.support.projects import guarded_project  # noqa: F401 - the `project` of these tests
from tests.support.snapshot import Snapshot

GINPIPE = [sys.executable, "-m", "ginpipe.cli"]

DAMAGED_RUN_JSON = {
    "null": ("null", "holds null, not a JSON object"),
    "list": ("[]", "holds a list, not a JSON object"),
    "tasks": ('{"status": "done", "tasks": 3}', "has a number as its 'tasks'"),
    "task": ('{"status": "done", "tasks": [null]}', "has a list as its 'tasks'"),
    "status": ('{"status": ["done"], "tasks": []}', "has a list as its 'status'"),
    "started": ('{"status": "done", "started": 5}', "has a number as its 'started'"),
    "truncated": ('{"status": "do', "is not valid JSON"),
}


@pytest.mark.parametrize("case", list(DAMAGED_RUN_JSON))
def test_a_damaged_run_json_is_named_and_skipped_by_status_compare_and_gc(project, case):
    text, problem = DAMAGED_RUN_JSON[case]
    done = project.cli("base.gin", "--experiment-name", "bad", "-q")
    assert done.returncode == 0, done.stderr
    run_json = project.exp("bad") / "run.json"
    run_json.write_text(text)
    bad = Snapshot(project.exp("bad"))
    note = f"note: skipped experiments/my_project/bad: experiments/my_project/bad/run.json {problem}.\n"

    status = project.cli("status", "experiments/my_project")
    assert (status.returncode, status.stderr) == (0, note)
    assert [line.split()[:2] for line in status.stdout.splitlines()] == [
        ["experiment", "state"], ["experiments/my_project/keep", "done"]]
    compare = project.cli("compare", "experiments/my_project")
    assert (compare.returncode, compare.stderr) == (0, note)
    assert [line.split()[0] for line in compare.stdout.splitlines()] == ["experiment", "keep"]
    gc = project.cli("gc", ".", "--failed-older-than", "0s")
    assert gc.returncode == 0, gc.stderr
    assert gc.stdout.splitlines() == [f"keep    experiments/my_project/bad: {run_json.relative_to(project.root)}"
                                      f" {problem}; left alone", "freed 0 B (0 folders)"]
    assert bad.changes() == [] and project.keep.changes() == []


@pytest.mark.parametrize("jobs", ["0", "-3"])
@pytest.mark.parametrize("kind", ["run", "sweep", "search", "submitit"])
def test_jobs_below_one_is_refused_everywhere_with_one_message(project, jobs, kind):
    extra = {"run": [], "sweep": ["--sweep", "double.factor=[1,2]"],
             "search": ["--search", "double.factor=int(1, 3)", "--trials", "2"],
             "submitit": ["--sweep", "double.factor=[1,2]", "--launcher", "submitit"]}[kind]
    before = Snapshot(project.root)
    done = project.cli("base.gin", *extra, "--jobs", jobs)
    assert done.returncode == 2
    assert done.stderr == (f"error: --jobs {jobs}: the number of experiments run at once must be 1 or more.\n"
                           "Pass --jobs 1 (one at a time, the default) or more.\n")
    assert before.changes() == []


@pytest.fixture
def curves(project):
    """`keep` with a Lightning-style metrics.csv, which --plot draws."""
    log = project.exp("plotted") / "logs" / "training" / "metrics.csv"
    done = project.cli("base.gin", "--experiment-name", "plotted", "-q")
    assert done.returncode == 0, done.stderr
    log.parent.mkdir(parents=True)
    log.write_text("epoch,step,val_loss\n0,10,1.0\n1,20,0.5\n")
    return project


@pytest.mark.parametrize("target, message", [
    ("plot.txt", "--plot-file plot.txt is not a .png file name: the plot is a PNG image."),
    ("plot", "--plot-file plot is not a .png file name: the plot is a PNG image."),
    ("base.gin/plot.png", "--plot-file base.gin/plot.png: {root}/base.gin is a file, not a folder."),
    ("experiments", "--plot-file experiments is not a .png file name: the plot is a PNG image."),
    ("{outside}/new/deeper/plot.png", "--plot-file {outside}/new/deeper/plot.png: the folder {outside}/new does not"
                                      " exist, and ginpipe creates folders only inside the project ({root})."),
])
def test_a_plot_file_that_cannot_be_a_png_there_is_refused_before_anything_is_written(curves, tmp_path, target,
                                                                                      message):
    project = curves
    outside = tmp_path / "outside"
    outside.mkdir()
    target, message = (t.format(outside=outside, root=project.root) for t in (target, message))
    before, around = Snapshot(project.root), Snapshot(outside)
    done = project.cli("compare", "experiments/my_project", "--plot", "val_loss", "--plot-file", target)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {message}\n"), done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert before.changes() == [] and around.changes() == []


def test_a_plot_is_written_whole_into_new_folders_inside_the_project_or_an_unwritable_folder_is_named(curves):
    project = curves
    done = project.cli("compare", "experiments/my_project", "--plot", "val_loss", "--plot-file", "plots/a/loss.png")
    assert done.returncode == 0, done.stderr
    assert (project.root / "plots/a/loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (project.root / "plots/a").iterdir()) == ["loss.png"]  # no temporary left
    # A folder where no file can be created, whoever runs the test (root included): /proc.
    before = Snapshot(project.root)
    done = project.cli("compare", "experiments/my_project", "--plot", "val_loss", "--plot-file", "/proc/loss.png")
    assert done.returncode == 2
    error, hint = done.stderr.splitlines()[-2:]
    assert error.startswith("error: Cannot write --plot-file /proc/loss.png: No such file or directory (/proc/.tmp-")
    assert error.endswith("-loss.png.partial).") and hint == "Pass a path in a writable folder with --plot-file."
    assert before.changes() == []


REPORT = '''
from pathlib import Path

from ginpipe.io import write_text


def report(state):
    write_text(Path(state["output_dir"]) / "report.txt", "x" * (2 << 20))
'''


def test_a_full_disk_in_a_tasks_write_names_the_file(project):
    """Simulated with RLIMIT_FSIZE (1 MiB), SIGXFSZ ignored: the write() fails with EFBIG, naming no file."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    project.write("tasks/report.py", REPORT)
    project.write("r.gin", "execute_pipeline.tasks = [@report]\n")
    done = subprocess.run([*GINPIPE, "r.gin", "--experiment-name", "full", "-q"], cwd=project.root,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == ("error: Task `01-report` failed: OSError: [Errno 27] File too large:"
                                           " 'experiments/my_project/full/report.txt'")
    assert not (project.exp("full") / "report.txt").exists()
    assert [p.name for p in (project.exp("full") / ".tmp").iterdir()] == []
    assert json.loads((project.exp("full") / "run.json").read_text())["status"] == "failed"
    assert project.keep.changes() == []
