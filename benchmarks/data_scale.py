"""Data at scale: feature extraction on this machine and on a real local Dask cluster, the feature
store's file count, and training reads from shards, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/data_scale.py [--clips 10000] [--seconds 1.0] [--shard-size 1000]

On `--clips` generated one-second WAVs (16 kHz, written once into a temporary folder):
  1. baseline: a bare loop in one process and one thread (soundfile read + torchaudio log-mel, one
     `.npy` per clip, as one writes it by hand);
  2. `extract_features` on this machine (the embedded engine: forked processes, no server);
  3. `extract_features` on a Dask cluster this script starts: `dask scheduler` and two `dask worker`
     processes (one thread each) on 127.0.0.1. Their start-up is timed apart and printed: starting
     the processes, connecting, and each worker's first job (one shard of a few clips, into a store
     thrown away), which pays the worker's one-off imports of torch, torchaudio, soundfile, pyarrow,
     pandas and the project: a long-lived cluster pays them once per worker process, not per run.
     The extraction figure is the steady state after it; the scheduler imports nothing of the
     project (the engine seals the jobs), so no import is left inside it;
  4. files the feature store holds per 10,000 clips (the baseline: one per clip);
  5. a training DataLoader's items/s over the shards (random access, and streaming) against the
     same loader over the baseline's one-file-per-clip `.npy` files;
  6. a 10M-row manifest's load + split + labels (benchmarks/data_scale_metadata.py, when present).

Steps 1-3 run `--repeats` rounds (each into a fresh output folder), interleaved so that a slow
moment of a shared machine lands on all three; each ratio printed is the median of the rounds' own
ratios, with every round's figures beside it. Before each timed step the disk writeback of the
steps before it is flushed (`os.sync()`): otherwise the kernel writes the previous step's files out
while the next one is timed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
import torch
import torchaudio
from loguru import logger
from torch.utils.data import DataLoader, Dataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository's `tasks` package

from tasks.training_data.collate import pad_collate  # noqa: E402
from tasks.training_data.dataset import AudioFeatureDataset  # noqa: E402
from tasks.training_data.streaming import ShardStream  # noqa: E402
from tasks.engine import DataEngine, connect, disconnect  # noqa: E402
from tasks.features.extract import extract_features  # noqa: E402

RATE = 16000


def generate(folder: Path, clips: int, seconds: float) -> pd.DataFrame:
    """`clips` noisy tones, as the metadata `load_dataset` gives (frames and rate known)."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * RATE)) / RATE
    paths = []
    for i in range(clips):
        path = folder / f"{i // 1000:03d}" / f"clip{i:07d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        wave = 0.3 * np.sin(2 * np.pi * (100 + i % 2000) * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(path, wave.astype(np.float32), RATE, subtype="PCM_16")
        paths.append(str(path))
    return pd.DataFrame({"path": paths, "label": [str(i % 10) for i in range(clips)],
                         "sample_rate": RATE, "frames": len(t)})


def baseline(paths: list[str], out: Path) -> tuple[float, float]:
    """The bare loop: one process, one thread; its wall time, and the part spent writing the files."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    mel = torchaudio.transforms.MelSpectrogram(RATE, n_fft=400, hop_length=160, n_mels=64)
    out.mkdir(parents=True)
    writing = 0.0
    start = time.perf_counter()
    for i, path in enumerate(paths):
        data, _ = sf.read(path, dtype="float32", always_2d=True)
        wave = torch.from_numpy(data.mean(axis=1))[None]
        features = torch.log(mel(wave)[0] + 1e-6).numpy()
        before = time.perf_counter()
        np.save(out / f"{i}.npy", features)
        writing += time.perf_counter() - before
    elapsed = time.perf_counter() - start
    torch.set_num_threads(threads)
    return elapsed, writing


def extract(metadata: pd.DataFrame, store: Path, engine: DataEngine, shard_size: int):
    state = {"dataset_metadata": metadata}
    start = time.perf_counter()
    extract_features(state, cache_dir=str(store), engine=engine, shard_size=shard_size, progress=False)
    return time.perf_counter() - start, state["features"]


class LooseFiles(Dataset):
    """The one-file-per-clip loader: `np.load` of a clip's `.npy` per item."""

    def __init__(self, folder: Path, count: int):
        self.folder, self.count = folder, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int):
        return torch.from_numpy(np.load(self.folder / f"{i}.npy")), 0


def items_per_second(dataset, shuffle: bool, workers: int) -> float:
    loader = DataLoader(dataset, batch_size=64, shuffle=shuffle, num_workers=workers, collate_fn=pad_collate)
    start = time.perf_counter()
    count = sum(len(batch["y"]) for batch in loader)
    return count / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(log_folder: Path, first_job_paths: list[str]) -> tuple[str, list[subprocess.Popen]]:
    """`dask scheduler` + two `dask worker` processes on 127.0.0.1; waits for both workers and runs
    each one's first job (see the module's docstring)."""
    port, dask = free_port(), str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'benchmarks'}", "OMP_NUM_THREADS": "1"}
    argv = [[dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", f"127.0.0.1:{free_port()}"]]
    argv += [[dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]] * 2
    processes = [subprocess.Popen(a, stdout=open(log_folder / f"dask{i}.log", "wb"), stderr=subprocess.STDOUT,
                                  env=env, start_new_session=True) for i, a in enumerate(argv)]
    # The engine's own connection (kept for the run), so that connecting counts as start-up.
    client = connect(address, timeout=60)
    client.wait_for_workers(2, timeout=120)
    first_jobs = log_folder / "first-jobs"
    first_jobs.mkdir()
    client.run(_first_job, first_job_paths, str(first_jobs))  # on every worker
    shutil.rmtree(first_jobs)
    return address, processes


def _first_job(paths: list[str], folder: str) -> None:
    """A worker's first job, as `extract_features` sends it: one shard of `paths`, computed and written."""
    from tasks.features.extractors import LogMel
    from tasks.features.shard_jobs import ShardJob, compute_shard

    stats = [os.stat(p) for p in paths]
    compute_shard(ShardJob(os.path.join(folder, f"worker-{os.getpid()}.arrow"), paths,
                           [s.st_size for s in stats], [s.st_mtime_ns for s in stats], LogMel()))


def stop_cluster(address: str, processes: list[subprocess.Popen]) -> None:
    disconnect(address)
    for process in reversed(processes):
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker stuck in a job: this script started it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def median_ratio(bare: list[float], engine: list[float]) -> tuple[float, str]:
    """The median of the rounds' ratios, and every round's figures."""
    ratios = [b / e for b, e in zip(bare, engine)]
    rounds = ", ".join(f"{e:.1f} s = {r:.2f}x" for e, r in zip(engine, ratios))
    return float(np.median(ratios)), rounds


def settled() -> None:
    """Flush the steps before's writeback, so that it does not run on the next step's clock."""
    os.sync()


def main() -> None:
    logger.remove()  # the task's own line per extraction: warnings only
    logger.add(sys.stderr, level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--shard-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds of steps 1-3")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="ginpipe-data-scale-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        metadata = generate(work / "audio", args.clips, args.seconds)
        paths = metadata["path"].tolist()
        print(f"{args.clips} clips of {args.seconds:g} s generated in {time.perf_counter() - start:.1f} s;"
              f" {cores} cores")

        settled()
        start = time.perf_counter()
        address, processes = start_cluster(work, paths[:8])
        print(f"local Dask cluster started in {time.perf_counter() - start:.1f} s (one-off, not in the figures"
              " below: scheduler + 2 workers started, client connected, each worker's first job)")
        bare: list[float] = []
        writing: list[float] = []
        local: list[float] = []
        remote: list[float] = []
        try:
            for _ in range(args.repeats):
                for folder in ("loose", "store-local", "store-dask"):  # the last round's stay, for 4-5
                    shutil.rmtree(work / folder, ignore_errors=True)
                settled()
                seconds, written = baseline(paths, work / "loose")
                bare.append(seconds)
                writing.append(written)
                settled()
                seconds, features = extract(metadata, work / "store-local", DataEngine(progress=False),
                                            args.shard_size)
                local.append(seconds)
                settled()
                seconds, _ = extract(metadata, work / "store-dask", DataEngine(cluster=address, progress=False),
                                     args.shard_size)
                remote.append(seconds)
        finally:
            stop_cluster(address, processes)
        rounds = ", ".join(f"{b:.1f} s (writing {w:.1f} s)" for b, w in zip(bare, writing))
        print(f"baseline (one process, one thread, one .npy per clip): {rounds};"
              f" median {args.clips / float(np.median(bare)):.0f} clips/s")
        ratio, rounds = median_ratio(bare, local)
        print(f"extract_features, this machine ({cores} processes): {rounds};"
              f" median {ratio:.2f}x the baseline (target >= 1.7x)")
        ratio, rounds = median_ratio(bare, remote)
        print(f"extract_features, Dask cluster of 2 workers: {rounds};"
              f" median {ratio:.2f}x the baseline (target >= 1.5x)")
        # Creating 10,000 small files is the baseline's most variable part (a shared disk's journal
        # and writeback); against its compute alone the engines still write their shards.
        compute = [b - w for b, w in zip(bare, writing)]
        print(f"against the baseline's compute alone (its writing left out: {float(np.median(compute)):.1f} s):"
              f" this machine {median_ratio(compute, local)[0]:.2f}x,"
              f" the Dask cluster {median_ratio(compute, remote)[0]:.2f}x (no target)")

        files = sum(1 for p in (work / "store-local").rglob("*") if p.is_file())
        print(f"files in the feature store: {files} for {args.clips} clips ="
              f" {files * 10_000 / args.clips:.0f} per 10,000 clips (target <= 20; baseline: 10,000)")

        targets = np.zeros(args.clips, np.int64)
        shards = AudioFeatureDataset(features, targets, np.arange(args.clips))
        loose = LooseFiles(work / "loose", args.clips)
        for workers in (0, 2):
            loose_rate = items_per_second(loose, True, workers)
            shard_rate = items_per_second(shards, True, workers)
            stream_rate = items_per_second(ShardStream(shards, shuffle_buffer=1000), False, workers)
            print(f"DataLoader ({workers} workers), items/s: one file per clip {loose_rate:.0f};"
                  f" shards, random access {shard_rate:.0f} = {shard_rate / loose_rate:.2f}x;"
                  f" shards, streaming {stream_rate:.0f} = {stream_rate / loose_rate:.2f}x (target >= 1.0x)")
    metadata_script = Path(__file__).parent / "data_scale_metadata.py"  # written with the manifest readers
    if not metadata_script.is_file():
        print("10M-row metadata: benchmarks/data_scale_metadata.py is not in this checkout: not measured")
    else:  # its own process and report (its `run()` returns the figures without printing them)
        sys.stdout.flush()
        subprocess.run([sys.executable, str(metadata_script)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
