"""Reference results: the reference configurations trained on the embedded dataset, several seeds each.

    uv run python benchmarks/reference_results.py [--seeds 1 2 3] [--only default mlp] [--mods ...]

Trains each configuration below with `ginpipe.run` (the same composition as the command line shown
in the table) once per seed (`SEED=<seed>`: the split, the initialisation, the batch order and the
crops all change), as experiments of one project, `experiments/reference/`, so loading the dataset
and extracting features run once per seed and are restored from the project's cache afterwards.
Prints a table of test accuracy and macro F1 (mean +- standard deviation over the seeds) and of the
wall time of one run, then the classes the default configuration confuses most. `--mods` adds
bindings to every run (e.g. `MAX_EPOCHS=5` for a quick look). `--json FILE` keeps every run's
figures: runs already in the file (same configuration, seed and bindings) are not run again, so an
interrupted benchmark continues, and `--table-only` prints the table of what the file holds.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# name -> (label in the table, config files, bindings): the reference configurations of docs/audio-project.md.
CONFIGURATIONS = {
    "default": ("ResNet-10 on log-mel (default)", ["configs/base.gin"], []),
    "resnet20": ("ResNet-20 on log-mel (design card)", ["configs/base.gin", "configs/models/resnet.gin"],
                 ["Resnet.n_layers=20"]),
    "mlp": ("MLP on MFCC", ["configs/base.gin", "configs/models/mlp.gin", "configs/features/mfcc.gin"], []),
    "cnn1d": ("CNN1D on raw audio", ["configs/base.gin", "configs/models/cnn1d.gin", "configs/features/raw.gin"], []),
}


def command_line(files: list[str], mods: list[str]) -> str:
    return "ginpipe " + " ".join(files) + (" --mods " + " ".join(f'"{m}"' for m in mods) if mods else "")


def train(name: str, seed: int, extra_mods: list[str]) -> dict:
    import ginpipe

    _, files, mods = CONFIGURATIONS[name]
    start = time.perf_counter()
    state = ginpipe.run(files, mods=[*mods, *extra_mods, f"SEED={seed}"], project_name="reference",
                        experiment_name=f"{name}__seed={seed}", overwrite=True)
    wall = time.perf_counter() - start
    metrics = state["metrics"]
    return {"configuration": name, "seed": seed, "wall_s": wall,
            "test_accuracy": metrics["test_accuracy"], "test_f1_macro": metrics["test_f1_macro"],
            "test_balanced_accuracy": metrics["test_balanced_accuracy"],
            "classes": metrics["classes"], "confusion_matrix": metrics["confusion_matrix"]}


def _mean_std(values: list[float], scale: float = 100.0) -> str:
    if len(values) == 1:  # no spread to show
        return f"{scale * values[0]:.1f} (1 seed)"
    return f"{scale * statistics.mean(values):.1f} ± {scale * statistics.stdev(values):.1f}"


def table(runs: list[dict]) -> str:
    lines = ["| configuration | test accuracy (%) | macro F1 (%) | wall time per run (s) |",
             "|---|---|---|---|"]
    for name, (label, _, _) in CONFIGURATIONS.items():
        mine = [r for r in runs if r["configuration"] == name]
        if mine:
            lines.append(f"| {label} | {_mean_std([r['test_accuracy'] for r in mine])}"
                         f" | {_mean_std([r['test_f1_macro'] for r in mine])}"
                         f" | {_mean_std([r['wall_s'] for r in mine], scale=1.0)} |")
    return "\n".join(lines)


def top_confusions(runs: list[dict], count: int = 5) -> list[str]:
    """The most frequent (true -> predicted) mistakes, summed over the runs given."""
    total = np.sum([r["confusion_matrix"] for r in runs], axis=0)
    classes = runs[0]["classes"]
    np.fill_diagonal(total, 0)
    order = np.argsort(total, axis=None)[::-1][:count]
    return [f"{classes[i]} -> {classes[j]}: {total[i, j]}" for i, j in zip(*np.unravel_index(order, total.shape))
            if total[i, j]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--only", nargs="+", choices=list(CONFIGURATIONS), default=list(CONFIGURATIONS))
    parser.add_argument("--mods", nargs="*", default=[], help="bindings added to every run")
    parser.add_argument("--json", type=Path, help="keep every run's figures in this file (and reuse them)")
    parser.add_argument("--table-only", action="store_true", help="print the table of the --json file's runs")
    args = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    runs = json.loads(args.json.read_text()) if args.json and args.json.is_file() else []
    runs = [r for r in runs if r.get("mods", []) == args.mods]
    for name in [] if args.table_only else args.only:
        for seed in args.seeds:
            if any(r["configuration"] == name and r["seed"] == seed for r in runs):
                continue
            runs.append({**train(name, seed, args.mods), "mods": args.mods,
                         "load_average": os.getloadavg()[0]})
            done = runs[-1]
            print(f"{name} seed {seed}: test accuracy {done['test_accuracy']:.4f}, macro F1"
                  f" {done['test_f1_macro']:.4f}, {done['wall_s']:.0f} s", flush=True)
            if args.json:
                args.json.write_text(json.dumps(runs, indent=1))
    print()
    for name in args.only:
        _, files, mods = CONFIGURATIONS[name]
        print(f"{name}: {command_line(files, mods)} --mods SEED=<seed> {shlex.join(args.mods)}".rstrip())
    print(f"\n{len(args.seeds)} seeds ({', '.join(map(str, args.seeds))}), mean ± std; extra bindings:"
          f" {' '.join(args.mods) or 'none'}; load average {os.getloadavg()[0]:.1f} at the end\n")
    runs = [r for r in runs if r["configuration"] in args.only and r["seed"] in args.seeds]
    print(table(runs))
    default = [r for r in runs if r["configuration"] == args.only[0]]
    if not default:
        return
    print(f"\nMost frequent confusions of {args.only[0]} (true -> predicted, summed over the seeds):")
    for line in top_confusions(default):
        print(f"  {line}")


if __name__ == "__main__":
    main()
