"""Data at scale: feature extraction on this machine and on a real local Dask cluster, the feature
store's file count, and training reads from shards, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/data_scale.py [--clips 10000] [--seconds 1.0] [--shard-size 1000]

On `--clips` generated one-second WAVs (16 kHz, written once into a temporary folder):
  1. baseline: a bare loop in one process and one thread (soundfile read + torchaudio log-mel, one
     `.npy` per clip, as one writes it by hand);
  2. `extract_features` on this machine (the embedded engine: forked processes, no server);
  3. `extract_features` on a Dask cluster this script starts: `dask scheduler` and two `dask worker`
     processes (one thread each) on 127.0.0.1. Their start-up is timed apart and printed: starting
     the processes, connecting, and each worker's one-off import of torch, torchaudio, soundfile and
     the project (`_import_libraries`), which a long-lived cluster pays once per worker process, not
     per job. The extraction figure is the steady state after it; the scheduler imports nothing of
     the project (the engine seals the jobs), so no import is left inside it;
  4. files the feature store holds per 10,000 clips (the baseline: one per clip);
  5. a training DataLoader's items/s over the shards (random access, and streaming) against the
     same loader over the baseline's one-file-per-clip `.npy` files;
  6. a 10M-row manifest's load + split + labels (benchmarks/data_scale_metadata.py, when present).
"""
from __future__ import annotations

import argparse
import os
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


def baseline(paths: list[str], out: Path) -> float:
    """The bare loop: one process, one thread; its wall time."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    mel = torchaudio.transforms.MelSpectrogram(RATE, n_fft=400, hop_length=160, n_mels=64)
    out.mkdir(parents=True)
    start = time.perf_counter()
    for i, path in enumerate(paths):
        data, _ = sf.read(path, dtype="float32", always_2d=True)
        wave = torch.from_numpy(data.mean(axis=1))[None]
        np.save(out / f"{i}.npy", torch.log(mel(wave)[0] + 1e-6).numpy())
    elapsed = time.perf_counter() - start
    torch.set_num_threads(threads)
    return elapsed


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


def start_cluster(log_folder: Path) -> tuple[str, list[subprocess.Popen]]:
    """`dask scheduler` + two `dask worker` processes on 127.0.0.1; waits for both workers."""
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
    client.run(_import_libraries)  # a worker's first job would pay torch's import otherwise
    return address, processes


def _import_libraries() -> None:
    import tasks.features.shard_jobs  # noqa: F401  (torch, torchaudio, soundfile, pyarrow)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--shard-size", type=int, default=1000)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="ginpipe-data-scale-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        metadata = generate(work / "audio", args.clips, args.seconds)
        print(f"{args.clips} clips of {args.seconds:g} s generated in {time.perf_counter() - start:.1f} s;"
              f" {cores} cores")
        paths = metadata["path"].tolist()
        bare = baseline(paths, work / "loose")
        print(f"baseline (one process, one thread, one .npy per clip): {bare:.1f} s,"
              f" {args.clips / bare:.0f} clips/s")

        local, features = extract(metadata, work / "store-local", DataEngine(progress=False), args.shard_size)
        print(f"extract_features, this machine ({cores} processes): {local:.1f} s,"
              f" {args.clips / local:.0f} clips/s = {bare / local:.2f}x the baseline (target >= 1.7x)")

        start = time.perf_counter()
        address, processes = start_cluster(work)
        print(f"local Dask cluster started in {time.perf_counter() - start:.1f} s (one-off, not in the figure below:"
              " scheduler + 2 workers started, client connected, each worker's torch/project import)")
        try:
            remote, _ = extract(metadata, work / "store-dask", DataEngine(cluster=address, progress=False),
                                args.shard_size)
        finally:
            stop_cluster(address, processes)
        print(f"extract_features, Dask cluster of 2 workers: {remote:.1f} s,"
              f" {args.clips / remote:.0f} clips/s = {bare / remote:.2f}x the baseline (target >= 1.5x)")

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
