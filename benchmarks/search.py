"""What does a study save over running its trials as separate commands, and what does pruning save?

Measured in one run, side by side, in a temporary folder linked to this repository's `tasks/` and
`configs/`: the reference audio pipeline (configs/base.gin + configs/debug/fast.gin: a tiny model, 3
training batches per epoch, `MAX_EPOCHS` epochs) on a synthetic dataset of `--clips-per-class` x 10
one-second clips, searching `torch.optim.AdamW.lr = loguniform(1e-4, 3e-2)` and
`Resnet.n_layers = int(4, 8, step=2)` with the seeded random sampler (so every arm gets the very same
configurations, pruning or not):

  * study: `ginpipe ... --trials N` (sequential, each trial a warm fork of the study's process:
    loading, splitting and features run once for the study, through the cache its trials share);
  * plain: the same N configurations (read from the study's trials) as N separate `ginpipe` commands,
    each in its own project with its own audio and feature cache folders, so nothing is shared;
  * hyperband: the study again with `--pruner hyperband` (unpromising trials stop early).

Prints the wall times, study / plain (target <= 0.5) and hyperband / study, and the best value each
study found (val_accuracy, higher is better).

Usage: uv run python benchmarks/search.py [--trials 12] [--clips-per-class 60] [--epochs 6]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import CONFIGS, ginpipe, reference_work_folder

SPACE = ["--search", "torch.optim.AdamW.lr=loguniform(1e-4, 3e-2)", "--search", "Resnet.n_layers=int(4, 8, step=2)"]


def study(work: Path, name: str, base: list[str], trials: int, *extra: str) -> tuple[float, dict]:
    caches = [f"read_synthetic.root='{name}/audio'", f"extract_features.cache_dir='{name}/features'"]
    seconds = ginpipe(work, *CONFIGS, "--mods", *base, *caches, "--project-name", name, "--experiment-name", "study",
                      *SPACE, "--trials", str(trials), "--sampler", "random", "--seed", "0", *extra)
    return seconds, json.loads((work / "experiments" / name / "study" / "study.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--clips-per-class", type=int, default=60)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    base = [f"read_synthetic.clips_per_class={args.clips_per_class}", "read_synthetic.duration=1.0",
            "read_synthetic.difficulty='easy'", f"MAX_EPOCHS={args.epochs}"]
    with reference_work_folder() as work:
        searched, record = study(work, "search", base, args.trials)
        pruned, pruned_record = study(work, "hyperband", base, args.trials, "--pruner", "hyperband")
        plain = 0.0
        for trial in record["trials"]:
            own = json.loads((Path(trial["folder"]) if Path(trial["folder"]).is_absolute()
                              else work / trial["folder"]).joinpath("trial.json").read_text())["mods"]
            i = trial["number"]
            caches = [f"read_synthetic.root='plain{i}/audio'", f"extract_features.cache_dir='plain{i}/features'"]
            plain += ginpipe(work, *CONFIGS, "--mods", *base, *caches, *own, "--project-name", f"plain{i}",
                             "--experiment-name", "run")

    states = [t["state"] for t in pruned_record["trials"]]
    print(f"Reference audio pipeline, configs/debug/fast.gin, {args.clips_per_class * 10} one-second clips,"
          f" {args.epochs} epochs, {args.trials} trials of {SPACE[1]} x {SPACE[3]}, random sampler seed 0,"
          " sequential, CPU.")
    print(f"  {args.trials} plain commands, nothing shared: {plain:.1f} s")
    print(f"  study of {args.trials} trials:               {searched:.1f} s   best val_accuracy"
          f" {record['best']['value']:.4f} (trial {record['best']['number']})")
    print(f"  study / plain = {searched / plain:.2f}x   (target <= 0.5)")
    print(f"  same study, --pruner hyperband:      {pruned:.1f} s   best val_accuracy"
          f" {pruned_record['best']['value']:.4f} (trial {pruned_record['best']['number']});"
          f" {states.count('pruned')} of {len(states)} trials pruned")
    print(f"  hyperband / no pruning = {pruned / searched:.2f}x")


if __name__ == "__main__":
    main()
