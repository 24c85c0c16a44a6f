"""What writing the console directly until project code runs (`ginpipe.log`) saves, against logging
through loguru from the first line.

Answers that run no project code (a config error, `--dry-run`) never import loguru. The baseline,
measured in the same run and interleaved, is the same command in a process that imports loguru first
(what every command costs when ginpipe logs through loguru from its first line: loguru's import and
its console sink). Printed: each figure's median, and its ratio to the baseline (< 1: the saving).

Usage: uv run python benchmarks/log_handover.py [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD = ["configs/base.gin", "configs/models/resnet.gin", "configs/debug/fast.gin"]
COMMANDS = {
    "config error": (CARD + ["--mods", "Resnett.n_layers=6"], 2),
    "--dry-run": (CARD + ["--dry-run"], 0),
    "--help": (["--help"], 0),
}
LOGURU_FIRST = "import loguru, runpy, sys; sys.argv[0] = 'ginpipe'; runpy.run_module('ginpipe.cli', run_name='__main__')"


def seconds(command: list[str], env: dict, expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ginpipe-log-") as scratch:
        env = {**os.environ, "GINPIPE_CACHE_DIR": str(Path(scratch) / "cache")}
        for name, (argv, expect) in COMMANDS.items():
            direct = [sys.executable, "-m", "ginpipe.cli", *argv]
            through_loguru = [sys.executable, "-c", LOGURU_FIRST, *argv]
            seconds(direct, env, expect)  # fills the signature cache and the bytecode caches
            seconds(through_loguru, env, expect)
            ours, baseline = [], []
            for _ in range(args.repeats):  # interleaved, so that machine noise hits both alike
                ours.append(seconds(direct, env, expect))
                baseline.append(seconds(through_loguru, env, expect))
            mine, base = statistics.median(ours), statistics.median(baseline)
            print(f"{name:<14} direct {mine * 1000:6.0f} ms   loguru first {base * 1000:6.0f} ms"
                  f"   ratio {mine / base:.2f}   saved {(base - mine) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
