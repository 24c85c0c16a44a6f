"""Issue 27, class 11: a damaged cached file (a truncated state pickle, parquet or torch file, a
truncated metrics file) is named, its suggested fix works as printed, and damaged metrics are never
read as "no metrics"."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from ginpipe.io import read_json
from tests.support.projects import make_project

STEPS = '''
from pathlib import Path

from ginpipe.io import write_json


def log_call(name):
    with open("calls.log", "a") as f:
        f.write(name + "\\n")


def make(state, kind="pickle"):
    log_call("make")
    values = [1.0, 2.0, 3.0]
    if kind == "parquet":
        import pandas
        state["data2"] = pandas.DataFrame({"v": values})
    elif kind == "torch":
        import torch
        state["data2"] = torch.tensor(values)
    else:
        state["data2"] = values


def score(state, offset=0.0):
    log_call("score")
    data = state["data2"]
    values = list(data["v"]) if hasattr(data, "columns") else [float(x) for x in data]
    state["metrics"] = {"total": float(sum(values)) + offset}
    write_json(Path(state["output_dir"]) / "metrics.json", {"mean": float(sum(values)) / len(values)})
'''

CONFIG = """
execute_pipeline.tasks = [@make, @score]
"""

EXTENSION = {"pickle": "pkl", "parquet": "parquet", "torch": "pt"}
FOLDER = "experiments/my_project/e"


@pytest.fixture
def project(tmp_path, monkeypatch):
    yield from make_project(tmp_path, monkeypatch, CONFIG, steps=STEPS)


def _cli(project, *args):
    return subprocess.run([sys.executable, "-m", "ginpipe.cli", *args], cwd=project.root, capture_output=True,
                          text=True, timeout=300)


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _fix(stderr: str) -> list[str]:
    """The command the error's hint prints (its last line), as argv after `ginpipe`."""
    words = shlex.split(stderr.strip().splitlines()[-1])
    assert words[0] == "ginpipe"
    return words[1:]


@pytest.mark.parametrize("kind", ["pickle", "parquet", "torch"])
def test_a_truncated_state_file_is_named_and_the_printed_resume_makes_it_again(project, kind):
    if kind == "parquet":
        pytest.importorskip("pyarrow")
    mods = ["--mods", f'make.kind="{kind}"']
    assert _cli(project, "base.gin", *mods, "--experiment-name", "e", "-q").returncode == 0
    damaged = project.root / FOLDER / "state" / "01-make" / f"data2.{EXTENSION[kind]}"
    assert damaged.is_file()
    _truncate(damaged)
    changed = [*mods[:-1], mods[-1], "score.offset=1"]  # score runs again and reads the damaged value
    done = _cli(project, "base.gin", *changed, "--experiment-name", "e", "--resume")
    assert done.returncode == 2, done.stderr
    error = done.stderr[done.stderr.index("error: "):]
    assert error.startswith(f"error: The cached state file {FOLDER}/state/01-make/data2.{EXTENSION[kind]} (key"
                            " 'data2' of task `01-make`) cannot be read: "), error
    assert "Traceback" not in done.stderr
    command = shlex.join(["ginpipe", "base.gin", *changed, "--experiment-name", "e", "--resume"])
    assert error.splitlines()[1:] == ["It is dropped from the cache, so `01-make` runs again. Resume (finished"
                                      " tasks come from the cache) with:", f"    {command}"]
    again = _cli(project, *_fix(done.stderr))
    assert again.returncode == 0, again.stderr
    assert project.root.joinpath("calls.log").read_text().split().count("make") == 2
    assert read_json(project.root / FOLDER / "run.json")["status"] == "done"
    assert "total = 7" in again.stdout


@pytest.mark.parametrize("tool", ["compare", "reproduce"])
@pytest.mark.parametrize("damaged", ["the metrics state file", "metrics.json"])
def test_truncated_metrics_are_named_never_read_as_no_metrics_and_the_printed_fix_works(project, tool, damaged):
    assert _cli(project, "base.gin", "--experiment-name", "e", "-q").returncode == 0
    folder = project.root / FOLDER
    path = folder / ("state/02-score/metrics.pkl" if damaged == "the metrics state file" else "metrics.json")
    _truncate(path)
    done = _cli(project, tool, FOLDER)
    assert done.returncode == 2, done.stderr
    shown = f"{FOLDER}/state/02-score/metrics.pkl" if damaged != "metrics.json" else f"{FOLDER}/metrics.json"
    assert done.stderr.startswith(f"error: The metrics of {FOLDER} cannot be read"), done.stderr  # before any rerun
    assert shown in done.stderr.splitlines()[0] and "Traceback" not in done.stderr
    fix = _fix(done.stderr)
    assert fix[-2:] == ["--from", "02-score"] if damaged != "metrics.json" else fix[-1] == "--overwrite"
    again = _cli(project, *fix)
    assert again.returncode == 0, again.stderr
    assert json.loads(path.read_text()) if path.suffix == ".json" else path.stat().st_size > 0
    compared = _cli(project, "compare", FOLDER)
    assert compared.returncode == 0, compared.stderr
    assert "6" in compared.stdout and "2" in compared.stdout  # total 6, mean 2


def test_compare_names_a_folder_with_damaged_metrics_and_still_compares_the_others(project):
    for name in ("e", "f"):
        assert _cli(project, "base.gin", "--experiment-name", name, "-q").returncode == 0
    _truncate(project.root / FOLDER / "state/02-score/metrics.pkl")
    compared = _cli(project, "compare", "experiments/my_project")
    assert compared.returncode == 0, compared.stderr
    assert compared.stderr.startswith(f"note: skipped {FOLDER}: The metrics of {FOLDER} cannot be read"), compared.stderr
    assert "--from 02-score" in compared.stderr and "Traceback" not in compared.stderr
    rows = [line.split()[0] for line in compared.stdout.splitlines()[1:] if line.strip()]
    assert "f" in rows and "e" not in rows  # the damaged one is skipped, never shown with no metrics
