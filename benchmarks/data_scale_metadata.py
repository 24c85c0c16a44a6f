"""Metadata at 10M rows: `load_dataset` + `split_dataset` + `make_labels` on a generated parquet manifest.

    .venv/bin/python benchmarks/data_scale_metadata.py [--rows 10000000]

The manifest has `path` (relative, resolved against its folder), `label` (50 classes), `fold` (1-5),
`frames` and `sample_rate`; the files do not exist: a manifest that gives `frames` and `sample_rate`
is trusted, so no header is read. The three tasks run in a child process (the one `run()` starts),
which reports its wall times and its peak RSS; the baseline, measured in the same child, is a bare
`pyarrow.parquet.read_table(...).to_pandas()` of the manifest: the floor of any loader. Targets on
2 cores: under 60 s and under 2 GB for 10M rows. `benchmarks/data_scale.py` calls `run()`.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASSES = 50


def write_manifest(path: Path, rows: int, seed: int = 0) -> None:
    """A parquet manifest of `rows` clips, built column by column with pyarrow (no Python per row)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = pa.array([f"class{k:02d}" for k in range(CLASSES)])
    label = pc.take(names, pa.array(rng.integers(0, CLASSES, rows)))
    number = pc.cast(pa.array(np.arange(rows)), pa.string())
    path_column = pc.binary_join_element_wise("clips", label, pc.binary_join_element_wise(number, ".wav", ""), "/")
    rates = np.where(rng.random(rows) < 0.8, 16000, 44100).astype(np.int32)
    table = pa.table({
        "path": path_column, "label": label,
        "fold": pa.array((np.arange(rows) % 5 + 1).astype(np.int64)),
        "frames": pa.array((rates * rng.uniform(1.0, 10.0, rows)).astype(np.int64)),
        "sample_rate": pa.array(rates),
    })
    pq.write_table(table, path)


def measure(manifest: Path) -> dict:
    """In this process: the baseline read, then load + split + labels; wall times and peak RSS."""
    import functools

    import pyarrow.parquet as pq
    from loguru import logger

    sys.path.insert(0, str(ROOT))
    from tasks.datasets.load import load_dataset
    from tasks.datasets.readers import read_manifest
    from tasks.labels import make_labels
    from tasks.split import split_dataset, split_random

    logger.remove()  # the tasks' log lines are not what is measured
    imports_rss = _peak_rss_mb()
    state: dict = {"seed": 0}
    times = {}
    start = time.perf_counter()
    load_dataset(state, [functools.partial(read_manifest, manifest)])
    times["load_s"] = time.perf_counter() - start
    split_dataset(state, strategy=split_random)
    times["split_s"] = time.perf_counter() - start - times["load_s"]
    make_labels(state)
    total = time.perf_counter() - start
    times["labels_s"] = total - times["load_s"] - times["split_s"]
    peak = _peak_rss_mb()  # before the baseline, which would otherwise be counted in
    meta = state.pop("dataset_metadata")
    result = {"rows": len(meta), "seconds": total, **times, "peak_rss_mb": peak, "imports_rss_mb": imports_rss,
              "metadata_mb": meta.memory_usage(deep=True).sum() / 2**20,
              "splits": {str(k): int(v) for k, v in meta["split"].value_counts().items()}}
    del meta
    start = time.perf_counter()
    pq.read_table(manifest).to_pandas()
    result["baseline_read_s"] = time.perf_counter() - start
    result["ratio_to_baseline"] = total / result["baseline_read_s"]
    return result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run(rows: int = 10_000_000) -> dict:
    """Generate the manifest, measure in a child process; the child's figures, plus generation time."""
    with tempfile.TemporaryDirectory(prefix="ginpipe-metadata-") as tmp:
        manifest = Path(tmp) / "manifest.parquet"
        start = time.perf_counter()
        _child("--write", str(manifest), "--rows", str(rows))
        generated = time.perf_counter() - start
        result = json.loads(_child("--measure", str(manifest)).splitlines()[-1])
        result.update(generate_s=generated, manifest_mb=manifest.stat().st_size / 2**20)
    return result


def _child(*args: str) -> str:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"data_scale_metadata.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_manifest(args.write, args.rows)
    elif args.measure:
        print(json.dumps(measure(args.measure)))
    else:
        r = run(args.rows)
        print(f"metadata of {r['rows']:,} rows (parquet manifest, {r['manifest_mb']:.0f} MB, frames and"
              f" sample_rate trusted):")
        print(f"  load + split + labels: {r['seconds']:.1f} s (load {r['load_s']:.1f}, split {r['split_s']:.1f},"
              f" labels {r['labels_s']:.1f}); target < 60 s")
        print(f"  bare read_table().to_pandas() of the manifest: {r['baseline_read_s']:.1f} s"
              f" -> {r['ratio_to_baseline']:.1f}x the bare read")
        print(f"  peak RSS {r['peak_rss_mb']:,.0f} MB (after imports {r['imports_rss_mb']:,.0f} MB; final"
              f" table {r['metadata_mb']:,.0f} MB); target < 2048 MB")
        print(f"  splits: {r['splits']}")


if __name__ == "__main__":
    main()
