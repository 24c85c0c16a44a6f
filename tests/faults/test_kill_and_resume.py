"""SIGKILL at random points of a real run of the reference pipeline, then `--resume`.

Each kill lands at a point drawn (seeded, so reproducible) from what an uninterrupted run really does:
a random moment inside each task, a random file-system call while a task's state is saved or a file
is written through the runner, while Lightning writes a checkpoint, while export_model writes the
model/ bundle. After every kill, and during every run, every file in `state/`, `checkpoints/` and
`model/` must be complete; `--resume` must finish; its metrics.json must equal, value for value, that
of an uninterrupted run made by a fresh `ginpipe` process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support import forked_runs
from tests.support.file_checks import FolderWatcher, check_folders
from tests.support.kill_tracer import TARGETS, KillPoint
from tests.support.run_results import difference, results, state_problems

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

SEED = 20261121
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]
# Kills per target (26 in all): one in each task, three in training steps, the rest in writes.
KILLS = {**{t.name: 1 for t in TARGETS if t.mode == "delay"}, "task fit_model: training step": 3,
         "state save": 4, "atomic write": 3, "checkpoint write": 5, "model bundle write": 3}


def _argv(root: Path, data: Path, *extra: str) -> list[str]:
    return [*CONFIGS, "--output-dir", str(root / "project" / "experiment"), "-q",
            "--mods", f"read_synthetic.root='{data}'", f"extract_features.cache_dir='{root / 'features'}'",
            *extra]


def _other_device_tmpdir(near: Path) -> dict[str, str]:
    """TMPDIR on another file system than the experiments, as on machines whose /tmp is a tmpfs.

    Libraries that stage a file in TMPDIR and move it into place then copy it (a rename cannot cross
    file systems), which is when a kill can leave a partial file at the destination.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != near.stat().st_dev:
        return {"TMPDIR": tempfile.mkdtemp(prefix="ginpipe-faults-", dir=shm)}
    return {}


def _draw(census: dict[str, list[dict]], rng: np.random.Generator) -> list[KillPoint]:
    points = []
    for target in TARGETS:
        calls = census[target.name]
        assert calls, f"the run never called {target.name}: the harness would aim at nothing"
        # Uniform over the calls' file-system calls ("io"), or over the calls then their duration.
        moments = [(n, io) for n, call in enumerate(calls, 1) for io in range(1, len(call["io"]) + 1)]
        for _ in range(KILLS[target.name]):
            if target.mode == "delay":
                call = int(rng.integers(1, len(calls) + 1))
                points.append(KillPoint(target.name, call, delay=float(rng.uniform(0, calls[call - 1]["seconds"]))))
            else:
                call, io = moments[int(rng.integers(len(moments)))]
                points.append(KillPoint(target.name, call, io=io, after=bool(rng.integers(0, 2))))
    return points


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run by a fresh `ginpipe` process: the metrics every resumed run must match."""
    root = tmp_path_factory.mktemp("reference")
    data = root / "data"
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *_argv(root, data)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return data, results(root / "project" / "experiment")


@pytest.mark.slow
def test_sigkill_anywhere_then_resume_gives_the_same_metrics_and_no_partial_file(reference, tmp_path):
    data, expected = reference
    env = _other_device_tmpdir(tmp_path)

    # A census run (traced, not killed) tells where the kill points can be; it must agree too.
    census_file = tmp_path / "census.json"
    census = forked_runs.start(_argv(tmp_path / "census", data), REPO, tmp_path / "census.log",
                               census=census_file, env=env)
    assert census.wait() == 0, census.output()
    assert results(tmp_path / "census" / "project" / "experiment") == expected
    counts = json.loads(census_file.read_text())
    points = _draw(counts, np.random.default_rng(SEED))

    lines, failures, checked = [], [], 0
    for number, point in enumerate(points, 1):
        root = tmp_path / f"kill{number:02d}"
        experiment = root / "project" / "experiment"
        argv = _argv(root, data)
        started = time.perf_counter()
        with FolderWatcher(experiment) as watcher:
            killed = forked_runs.start(argv, REPO, root / "killed.log", point=point, env=env).wait()
            problems = [f"after the kill: {p}" for p in check_folders(experiment) + state_problems(experiment)]
            landed = _last_task(experiment)
            resumed = forked_runs.start([*argv, "--resume"], REPO, root / "resumed.log", env=env)
            code = resumed.wait()
        problems += watcher.problems + [f"after the resume: {p}" for p in check_folders(experiment)]
        problems += [f"feature cache: {p}" for p in _cache_problems(root / "features")]
        checked += watcher.checked
        if killed != -9:
            problems.append(f"the kill point was not reached (exit code {killed})")
        if code != 0:
            problems.append(f"--resume failed (exit code {code}):\n{resumed.output()[-3000:]}")
        elif results(experiment) != expected:
            problems.append("metrics.json or the training curves differ from the uninterrupted run's:\n"
                            + difference(expected, results(experiment)))
        line = f"{number:2d}. {point.describe(counts)}: killed in {landed}" + (
            "; survived" if not problems else "; FAILED") + f" ({time.perf_counter() - started:.1f} s)"
        lines.append(line)
        if problems:
            failures.append(line + "".join(f"\n      {p}" for p in problems))
    report = (f"fault injection (seed {SEED}): {len(points) - len(failures)}/{len(points)} kills survived,"
              f" {checked} file versions checked while runs wrote them\n" + "\n".join(lines))
    print(report)
    assert len(points) >= 20
    assert checked > len(points)  # the watcher really read files during the runs
    assert not failures, report + "\n\nFailures:\n" + "\n".join(failures)


def _cache_problems(features: Path) -> list[str]:
    """The feature store (shared by experiments) holds only whole shards, whatever was killed."""
    from tasks.features.shard_file import open_shard

    problems = []
    for path in [p for p in features.rglob("*.arrow") if p.parent.name == "shards"]:
        try:
            open_shard(path)
        except Exception as e:  # noqa: BLE001 - any failure to read is the finding
            problems.append(f"{path.name}: {type(e).__name__}: {e}")
    return problems


def _last_task(experiment: Path) -> str:
    """The task the run was in when it died (from its log), for the report."""
    log = experiment / "logs" / "run.log"
    if not log.is_file():
        return "start-up (before the first task)"
    started = [line.split("▶ ", 1)[1] for line in log.read_text().splitlines() if "▶ " in line]
    finished = [line.split("✓ ", 1)[1].split(" in ")[0] for line in log.read_text().splitlines() if "✓ " in line]
    if not started:
        return "start-up (before the first task)"
    if started[-1] in finished:
        return f"{started[-1]} (after it finished)"
    return started[-1]
