"""What does fingerprinting a data folder cost a fully cached rerun?

A task's key covers the folders its bindings name (`ginpipe/cache/data_paths.py`): a cached rerun
lists them (names, sizes, modification times) instead of reading them. Measured in one run, side by
side, in two temporary projects of the same two pure-Python tasks:
  * `empty`: the reader's `root` names an empty folder;
  * `data`: it names a folder of N empty files (100,000 by default) in 100 class folders.
Printed: the median wall time of a fully cached rerun (`ginpipe base.gin --experiment-name e`, every
task cached) of each, their ratio (data / empty) and the difference in seconds (target: well under
a second), and how many tasks each rerun executed (target 0).

Usage: uv run python benchmarks/data_fingerprint.py [--files 100000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKS = '''
import os


def list_files(state, root="sounds"):
    state["n_files"] = sum(len(files) for _, _, files in os.walk(root))


def report(state):
    state["report"] = f"{state['n_files']} files"
'''
CONFIG = """
execute_pipeline.tasks = [@list_files, @report]
list_files.root = 'sounds'
"""


def make_project(folder: Path, files: int) -> Path:
    (folder / "tasks").mkdir(parents=True)
    (folder / "tasks" / "__init__.py").write_text("")
    (folder / "tasks" / "steps.py").write_text(TASKS)
    (folder / "base.gin").write_text(CONFIG)
    sounds = folder / "sounds"
    sounds.mkdir()
    classes = 100 if files >= 100 else max(files, 1)
    for k in range(files):
        label = sounds / f"class{k % classes:03d}"
        if k < classes:
            label.mkdir()
        (label / f"clip{k:06d}.wav").touch()
    return folder


def rerun(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", "base.gin", "--experiment-name", "e", "-q"],
                          cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"ginpipe failed in {folder}:\n{done.stderr[-3000:]}")
    run = json.loads((folder / "experiments" / "my_project" / "e" / "run.json").read_text())
    return seconds, sum(t["status"] == "done" for t in run["tasks"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ginpipe-bench-") as tmp:
        projects = {"empty": make_project(Path(tmp) / "empty", 0), "data": make_project(Path(tmp) / "data", args.files)}
        os.environ.setdefault("GINPIPE_CACHE_DIR", str(Path(tmp) / "cache"))
        for folder in projects.values():
            rerun(folder)  # the first run executes the tasks; every later one is fully cached
        times: dict[str, list[float]] = {name: [] for name in projects}
        executed = {name: 0 for name in projects}
        for _ in range(args.repeats):  # interleaved, so that a busy machine slows both alike
            for name, folder in projects.items():
                seconds, ran = rerun(folder)
                times[name].append(seconds)
                executed[name] += ran
    empty, data = (statistics.median(times[n]) for n in ("empty", "data"))
    print(f"cached rerun, empty folder:          {empty:.3f} s (median of {args.repeats})")
    print(f"cached rerun, {args.files:,} files:     {data:.3f} s")
    print(f"ratio (data / empty):               {data / empty:.2f}")
    print(f"difference:                         {data - empty:+.3f} s (target: well under 1 s)")
    print(f"tasks executed by the reruns:       {executed['empty']} and {executed['data']} (target 0)")


if __name__ == "__main__":
    main()
