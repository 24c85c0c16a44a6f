"""A tiny pure-Python project (a `tasks` package plus configs) in a temporary folder, and the
fixtures that make one.

Every project holds the same task module (`tests/support/steps.py` as `tasks/steps.py`); the suites
differ in their base config: `project` (conftest.py) runs `BASE_CONFIG`; the sweep and tools tests
import `sweep_project` and the bad-input corpus `guarded_project`, each the `project` of its tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .snapshot import Snapshot

STEPS = (Path(__file__).parent / "steps.py").read_text()

# Set by a run (or a torch.distributed launcher) and read by the next: tests start without them.
RUN_VARIABLES = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "GINPIPE_EXPERIMENT_NAME", "GINPIPE_OUTPUT_DIR",
                 "CUDA_VISIBLE_DEVICES")


class Project:
    """A temporary project folder, current directory during the test."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def exp(self, name: str, project: str = "my_project") -> Path:
        return self.root / "experiments" / project / name

    def run_json(self, name: str, project: str = "my_project") -> dict:
        return json.loads((self.exp(name, project) / "run.json").read_text())

    def statuses(self, name: str, project: str = "my_project") -> dict[str, str]:
        """task label -> "done" (ran) or "cached"/"cached from <experiment>"."""
        return {t["label"]: t["status"] + (f" from {t['from']}" if "from" in t else "")
                for t in self.run_json(name, project)["tasks"]}

    def run(self, *configs: str, mods=(), name: str = "e", **options):
        """`ginpipe.run` on configs of this project, into experiment `name`; returns the final state."""
        import ginpipe
        return ginpipe.run([str(self.root / c) for c in configs], mods=list(mods), experiment_name=name,
                           **options)

    def calls(self) -> list[str]:
        """Task names written to calls.log by tasks that log their calls, in order."""
        log = self.root / "calls.log"
        return [line.split()[0] for line in log.read_text().splitlines()] if log.is_file() else []

    def cli(self, *args: str, env: dict | None = None, check: bool = False, timeout: int = 300,
            **popen) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *args], cwd=self.root, capture_output=True,
                              text=True, env={**os.environ, **(env or {})}, timeout=timeout, **popen)
        if check and done.returncode != 0:
            raise AssertionError(done.stderr)
        return done


def _take_project_modules() -> dict:
    """Remove the `tasks` package (and submodules) from sys.modules and return what was there."""
    taken = {m: sys.modules[m] for m in list(sys.modules) if m == "tasks" or m.startswith("tasks.")}
    for name in taken:
        del sys.modules[name]
    return taken


# base.gin of the runner's and the bad-input corpus's projects.
BASE_CONFIG = """
N = 5
execute_pipeline.tasks = [@set_seed, @load, @double, @total]
set_seed.seed = 3
load.n = $(%N * 2)
"""


def make_project(tmp_path: Path, monkeypatch, base: str, steps: str = STEPS):
    """Yield a `Project` holding `tasks/steps.py` = `steps` and `base.gin` = `base` (a fixture body).

    The repository has a `tasks` package of its own: it is set aside while the test's project is
    imported, and put back afterwards, so that other tests keep the very same class objects.
    """
    root = tmp_path / "proj"
    root.mkdir()
    p = Project(root)
    p.write("tasks/__init__.py", '"""The project\'s tasks."""\n')
    p.write("tasks/steps.py", steps)
    p.write("base.gin", base)
    monkeypatch.chdir(root)
    for variable in RUN_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    # Tests edit a task file and run again within the second, often at the same size: Python would
    # take the first version's bytecode (checked by whole-second mtime and size) for the edited file.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    original = _take_project_modules()
    try:
        yield p
    finally:
        _take_project_modules()
        sys.modules.update(original)


# base.gin of the sweep and tools tests: `score` writes the metrics that compare and reproduce read.
SWEEP_CONFIG = """
execute_pipeline.tasks = [@set_seed, @load, @double, @check, @score]
set_seed.seed = 3
load.n = 10
"""


@pytest.fixture(name="project")
def sweep_project(tmp_path, monkeypatch) -> Project:
    """The `project` of the sweep and tools tests (import it into a test module to use it); its tasks
    log their calls in `calls.log`."""
    for p in make_project(tmp_path, monkeypatch, SWEEP_CONFIG):
        p.write("calls.log", "")
        yield p


@pytest.fixture(name="project")
def guarded_project(tmp_path, monkeypatch) -> Project:
    """The bad-input corpus's `project`: its experiment `keep` finished before the bad input arrives,
    and `project.keep` is its `Snapshot`, which no bad input may change."""
    for p in make_project(tmp_path, monkeypatch, BASE_CONFIG):
        done = p.cli("base.gin", "--experiment-name", "keep", "-q")
        assert done.returncode == 0, done.stderr
        p.keep = Snapshot(p.exp("keep"))
        assert len(p.keep.files) > 10  # config, run.json, logs, state files...
        yield p
