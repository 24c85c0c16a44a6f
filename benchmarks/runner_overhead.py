"""How much does the runner cost on top of the imports a pipeline needs anyway?

Measured in one run, side by side, on 4-task pure-Python pipelines in a temporary project:
  * median wall time of `ginpipe base.gin` (a new experiment each time, whose tasks come from the
    project's cache: every run checks the config, plans, adopts the cached outputs and writes its
    folder) divided by that of `python -c "import gin, loguru, <the tasks' imports>"` (target <= 1.3),
    for tasks that use pandas and numpy (a typical metadata pipeline, whose imports take about as
    long as the reference's 0.6 s) and for tasks that import only the standard library (the worst
    case: the runner's own cost is then most of the time); the absolute overhead is printed too;
  * the same runs against `python -c "import gin"` alone: a run whose tasks all come from the cache
    imports neither loguru nor the tasks' libraries, so this is everything else the runner costs;
  * median wall time of `ginpipe --help` (target < 0.3 s);
  * how many tasks a no-change rerun executes (target 0).

Usage: uv run python benchmarks/runner_overhead.py [--repeats 9]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STDLIB_TASKS = '''
import json
import math
import statistics


def set_seed(state, seed=0):
    state["seed"] = seed


def load(state, n=1000):
    state["data"] = [math.sin(i) for i in range(n)]


def summarise(state):
    state["summary"] = {"mean": statistics.fmean(state["data"]), "n": len(state["data"])}


def report(state):
    state["report"] = json.dumps(state["summary"])
'''
PANDAS_TASKS = '''
import numpy as np
import pandas as pd


def set_seed(state, seed=0):
    state["seed"] = seed


def load(state, n=1000):
    rng = np.random.default_rng(state["seed"])
    state["data"] = pd.DataFrame({"x": rng.normal(size=n), "label": rng.integers(0, 4, size=n)})


def summarise(state):
    state["summary"] = state["data"].groupby("label")["x"].mean()


def report(state):
    state["report"] = state["summary"].to_dict()
'''
CONFIG = "execute_pipeline.tasks = [@set_seed, @load, @summarise, @report]\nload.n = 2000\n"
PIPELINES = {  # name -> (task module, the imports those tasks need)
    "pandas+numpy tasks": (PANDAS_TASKS, "import gin, loguru, numpy, pandas"),
    "stdlib-only tasks": (STDLIB_TASKS, "import gin, loguru, json, math, statistics"),
}


# Steady state, as on a user's machine: Python may cache bytecode (some CI images turn that off,
# which would charge every run for compiling gin, loguru and ginpipe from source).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(command: list[str], cwd: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(tasks: str, imports: str, repeats: int) -> dict:
    ginpipe = [sys.executable, "-m", "ginpipe.cli"]
    root = Path(tempfile.mkdtemp(prefix="ginpipe-bench-"))
    try:
        (root / "tasks").mkdir()
        (root / "tasks" / "__init__.py").write_text("")
        (root / "tasks" / "steps.py").write_text(tasks)
        (root / "base.gin").write_text(CONFIG)
        subprocess.run(ginpipe + ["base.gin", "--experiment-name", "warmup"], cwd=root, check=True,
                       capture_output=True, env=ENV)  # warm the file cache and the bytecode cache
        subprocess.run([sys.executable, "-c", imports], check=True, env=ENV)
        baseline, gin_only, runs = [], [], []
        for number in range(repeats):  # interleaved, so that machine noise hits all alike
            baseline.append(median_seconds([sys.executable, "-c", imports], root, 1))
            gin_only.append(median_seconds([sys.executable, "-c", "import gin"], root, 1))
            start = time.perf_counter()
            subprocess.run(ginpipe + ["base.gin", "--experiment-name", f"run{number}"], cwd=root,
                           check=True, capture_output=True, env=ENV)
            runs.append(time.perf_counter() - start)
        subprocess.run(ginpipe + ["base.gin", "--experiment-name", "warmup"], cwd=root, check=True,
                       capture_output=True, env=ENV)
        rerun = json.loads((root / "experiments/my_project/warmup/run.json").read_text())
        help_time = median_seconds(ginpipe + ["--help"], root, repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"baseline": statistics.median(baseline), "gin": statistics.median(gin_only),
            "pipeline": statistics.median(runs),
            "rerun_executed": sum(t["status"] == "done" for t in rerun["tasks"]), "help": help_time}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    for name, (tasks, imports) in PIPELINES.items():
        m = measure(tasks, imports, args.repeats)
        print(f"{name} (median of {args.repeats}):")
        print(f"  baseline `python -c \"{imports}\"`: {m['baseline']:.3f} s")
        print(f"  ginpipe 4-task pipeline: {m['pipeline']:.3f} s"
              f"  (runner overhead {1000 * (m['pipeline'] - m['baseline']):.0f} ms)")
        print(f"  ratio pipeline / baseline: {m['pipeline'] / m['baseline']:.2f}x  (target <= 1.3)")
        print(f"  against `python -c \"import gin\"` alone ({m['gin']:.3f} s): the runner's own cost is"
              f" {1000 * (m['pipeline'] - m['gin']):.0f} ms")
        print(f"  tasks executed by a no-change rerun: {m['rerun_executed']}  (target 0)")
    print(f"ginpipe --help: {m['help']:.3f} s  (target < 0.3)")


if __name__ == "__main__":
    main()
