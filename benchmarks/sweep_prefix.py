"""How much does a sweep save by running its members' shared prefix once?

Measured in one run, side by side, in a temporary folder linked to this repository's `tasks/` and
`configs/`: the reference audio pipeline (configs/base.gin + configs/debug/fast.gin: a tiny model, 3
training batches per epoch) on a synthetic dataset of `--clips-per-class` x 10 one-second clips, so that
loading (generating the audio) and feature extraction are a real share of each run, as on real data;

  * sweep: `ginpipe ... --sweep "Resnet.n_layers=[4,6]" --sweep "torch.optim.AdamW.lr=[1e-3,3e-3]"`
    (sequential, one process per member: loading, splitting and features run once);
  * plain: the same 4 experiments as 4 separate `ginpipe` commands, each in its own project and with
    its own audio and feature cache folders, so nothing is shared (a fresh machine per run).

Both arms pay the same per-process start-up (importing torch and Lightning) for each member. Prints
both wall times and their ratio (target <= 0.6), and where the time of a plain run goes.

Usage: uv run python benchmarks/sweep_prefix.py [--clips-per-class 480]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import CONFIGS, ginpipe, reference_work_folder

AXES = {"Resnet.n_layers": ["4", "6"], "torch.optim.AdamW.lr": ["0.001", "0.003"]}


def task_times(folder: Path) -> dict[str, float]:
    run = json.loads((folder / "run.json").read_text())
    return {t["label"]: t.get("wall_s", 0.0) for t in run["tasks"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips-per-class", type=int, default=480)
    args = parser.parse_args()
    data = [f"read_synthetic.clips_per_class={args.clips_per_class}", "read_synthetic.duration=1.0",
            "read_synthetic.difficulty='easy'"]  # clips of exactly one second
    members = [[f"Resnet.n_layers={a}", f"torch.optim.AdamW.lr={b}"]
               for a in AXES["Resnet.n_layers"] for b in AXES["torch.optim.AdamW.lr"]]
    with reference_work_folder() as work:
        plain = 0.0
        for i, own in enumerate(members):
            caches = [f"read_synthetic.root='plain{i}/audio'", f"extract_features.cache_dir='plain{i}/features'"]
            plain += ginpipe(work, *CONFIGS, "--mods", *data, *caches, *own, "--project-name", f"plain{i}",
                             "--experiment-name", "run")
        times = task_times(work / "experiments" / "plain0" / "run")

        caches = ["read_synthetic.root='sweep/audio'", "extract_features.cache_dir='sweep/features'"]
        sweep = ginpipe(work, *CONFIGS, "--mods", *data, *caches, "--project-name", "sweep",
                        "--experiment-name", "bench", *(x for k, v in AXES.items() for x in ("--sweep", f"{k}=[{','.join(v)}]")))
        ran = sum(1 for folder in (work / "experiments" / "sweep").iterdir()
                  if task_times(folder) and json.loads((folder / "run.json").read_text())["tasks"][4]["status"] == "done")

    prefix = sum(v for k, v in times.items() if k[:2] in ("01", "02", "03", "04", "05"))
    tasks = sum(times.values())
    print(f"Reference audio pipeline, configs/debug/fast.gin, {args.clips_per_class * 10} one-second clips,"
          f" 4 members ({' x '.join(k + '=[' + ','.join(v) + ']' for k, v in AXES.items())}), sequential, CPU.")
    print(f"  one plain run: {plain / 4:.1f} s = start-up and imports {plain / 4 - tasks:.1f} s"
          f" + shared prefix (load, split, labels, features) {prefix:.1f} s + the rest {tasks - prefix:.1f} s")
    print(f"  4 plain commands, nothing shared: {plain:.1f} s")
    print(f"  4-member sweep (features extracted in {ran} member): {sweep:.1f} s")
    print(f"  sweep / plain = {sweep / plain:.2f}x   (target <= 0.6)")


if __name__ == "__main__":
    main()
