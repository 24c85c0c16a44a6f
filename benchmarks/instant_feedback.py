"""Answers that need no computation: do they come without paying for the heavy imports?

Measured in one run, side by side, in this repository, against the baseline
`python -c "import torch, lightning, torchaudio, sklearn"` (what every answer used to cost):
  * a typo error: `ginpipe configs/base.gin configs/models/resnet.gin --mods Resnett.n_layers=6`;
  * `--dry-run` of the design-card command
    `ginpipe configs/base.gin configs/models/resnet.gin --mods "Resnet.n_layers=20"`;
  * a rerun of that command in which every task comes from the cache;
    (target for each of the three: <= 0.25x the baseline)
  * a 4-member sweep of `configs/debug/fast.gin` (`--sweep "Resnet.n_layers=[4,6,8,10]"`), warm
    members (`--launcher warm`) against fresh processes (`--launcher local`) (target <= 0.5x).

Library signatures are cached in a temporary folder, filled by one untimed call first (as the first
run after installing does). `--quick` adds configs/debug/fast.gin to the design-card command, so
that its one real run (needed before a cached rerun can be timed) takes seconds, not minutes; the
timed rerun restores the same tasks either way.

Usage: uv run python benchmarks/instant_feedback.py [--repeats 3] [--quick]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = [sys.executable, "-c", "import torch, lightning, torchaudio, sklearn"]
GINPIPE = [sys.executable, "-m", "ginpipe.cli"]
DESIGN_CARD = ["configs/base.gin", "configs/models/resnet.gin"]


def seconds(command: list[str], env: dict, expect: int = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return elapsed


def median(command: list[str], env: dict, repeats: int, expect: int = 0) -> float:
    return statistics.median(seconds(command, env, expect) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="design-card command + configs/debug/fast.gin")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ginpipe-instant-"))
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "GINPIPE_CACHE_DIR": str(scratch / "cache")}
    card = DESIGN_CARD + (["configs/debug/fast.gin"] if args.quick else [])
    out = ["--output-dir", str(scratch / "card")]
    try:
        seconds(BASELINE, env)  # warm the file and bytecode caches
        seconds(GINPIPE + card + ["--mods", "Resnett.n_layers=6"], env, expect=2)  # fills the signature cache
        figures = {}
        baseline = []
        typo, dry, rerun = [], [], []
        seconds(GINPIPE + card + ["--mods", "Resnet.n_layers=20", "-q"] + out, env)  # the one real run
        for _ in range(args.repeats):  # interleaved, so that machine noise hits all alike
            baseline.append(seconds(BASELINE, env))
            typo.append(seconds(GINPIPE + card + ["--mods", "Resnett.n_layers=6"], env, expect=2))
            dry.append(seconds(GINPIPE + card + ["--mods", "Resnet.n_layers=20", "--dry-run"] + out, env))
            rerun.append(seconds(GINPIPE + card + ["--mods", "Resnet.n_layers=20", "-q"] + out, env))
        base = statistics.median(baseline)
        figures["typo error"] = statistics.median(typo)
        figures["--dry-run"] = statistics.median(dry)
        figures["fully cached rerun"] = statistics.median(rerun)

        sweep = ["configs/base.gin", "configs/debug/fast.gin", "--sweep", "Resnet.n_layers=[4,6,8,10]", "-q"]
        seconds(GINPIPE + ["configs/base.gin", "configs/debug/fast.gin", "-q", "--mods",
                           "PROJECT_NAME='instant_warmup'"], env)  # generated data and features exist for both
        fresh = seconds(GINPIPE + sweep + ["--launcher", "local", "--mods", "PROJECT_NAME='instant_fresh'"], env)
        warm = seconds(GINPIPE + sweep + ["--launcher", "warm", "--mods", "PROJECT_NAME='instant_warm'"], env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for project in ("instant_warmup", "instant_fresh", "instant_warm"):
            shutil.rmtree(ROOT / "experiments" / project, ignore_errors=True)

    print(f"baseline `import torch, lightning, torchaudio, sklearn`: {base:.2f} s (median of {args.repeats})")
    print(f"design-card command: ginpipe {' '.join(card)} --mods Resnet.n_layers=20")
    for name, value in figures.items():
        verdict = "ok" if value <= 0.25 * base else "over target"
        print(f"  {name:<20} {value:6.2f} s  = {value / base:.2f}x the imports  (target <= 0.25x: {verdict})")
    verdict = "ok" if warm <= 0.5 * fresh else "over target"
    print(f"4-member sweep of configs/debug/fast.gin: fresh processes {fresh:.1f} s, warm members {warm:.1f} s"
          f"  = {warm / fresh:.2f}x  (target <= 0.5x: {verdict})")


if __name__ == "__main__":
    main()
