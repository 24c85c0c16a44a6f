"""Feature extraction throughput: `extract_features` vs a plain single-process loop, same files, same run.

    .venv/bin/python benchmarks/feature_extraction.py [--clips-per-class 300] [--seconds 2.0] [--rounds 3]

Both compute the same log-mel features (decode with soundfile, mix to mono, resample 22.05 -> 16 kHz,
torchaudio MelSpectrogram, log) and save one `.npy` per file. The baseline is what one writes by
hand: a for loop in one process (torch may still use its intra-op threads). Then it shows that
training epochs read cached features: the extraction counter does not move over three epochs.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's `tasks` package

from ginpipe import State  # noqa: E402
from tasks.training_data.loaders import get_dataloaders  # noqa: E402
from tasks.datasets.load import load_dataset  # noqa: E402
from tasks.datasets.synthetic import read_synthetic  # noqa: E402
from tasks.features.extract import EXTRACTION_COUNTER, extract_features  # noqa: E402
from tasks.features.extractors import LogMel  # noqa: E402
from tasks.labels import make_labels  # noqa: E402
from tasks.split import split_dataset  # noqa: E402


def baseline(paths: list[str], out: Path, sample_rate: int = 16000, naive: bool = False) -> None:
    """The hand-written loop. `naive` resamples with `torchaudio.functional.resample`, which rebuilds
    its filter for every file; otherwise one `Resample` transform per rate is reused, as
    `extract_features` does, so that the comparison measures parallelism alone."""
    mel = torchaudio.transforms.MelSpectrogram(sample_rate, n_fft=400, hop_length=160, n_mels=64)
    resamplers: dict[int, torchaudio.transforms.Resample] = {}
    out.mkdir(parents=True)
    for i, path in enumerate(paths):
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        wave = torch.from_numpy(data.mean(axis=1))[None]
        if naive:
            wave = torchaudio.functional.resample(wave, rate, sample_rate)
        else:
            if rate not in resamplers:
                resamplers[rate] = torchaudio.transforms.Resample(rate, sample_rate)
            wave = resamplers[rate](wave)
        np.save(out / f"{i}.npy", torch.log(mel(wave)[0] + 1e-6).numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips-per-class", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        state = State({"output_dir": str(tmp / "exp"), "seed": 0})
        # The easy recipe: every clip exactly `--seconds` long.
        load_dataset(state, [lambda: read_synthetic(tmp / "audio", args.clips_per_class, 22050, args.seconds,
                                                    difficulty="easy")])
        paths = state["dataset_metadata"]["path"].tolist()
        n = len(paths)
        print(f"{n} clips of {args.seconds} s at 22050 Hz, {os.cpu_count()} cores")

        # Alternate the two, several rounds, and keep each one's best: other load on the machine
        # then slows both alike instead of whichever happened to run during it.
        t_naive, t_base, t_single, t_ours, base_cores = (float("inf"),) * 4 + (0.0,)
        for round_ in range(args.rounds):
            start = time.perf_counter()
            baseline(paths, tmp / f"naive{round_}", naive=True)
            t_naive = min(t_naive, time.perf_counter() - start)
            start, cpu = time.perf_counter(), time.process_time()
            baseline(paths, tmp / f"baseline{round_}")
            if time.perf_counter() - start < t_base:
                t_base = time.perf_counter() - start
                base_cores = (time.process_time() - cpu) / t_base
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # the same loop confined to one core: what 2 workers can double
            start = time.perf_counter()
            baseline(paths, tmp / f"single{round_}")
            t_single = min(t_single, time.perf_counter() - start)
            torch.set_num_threads(threads)
            start = time.perf_counter()
            extract_features(state, extractor=LogMel(), cache_dir=str(tmp / f"cache{round_}"), progress=False)
            t_ours = min(t_ours, time.perf_counter() - start)

        start = time.perf_counter()
        extract_features(state, extractor=LogMel(), cache_dir=str(tmp / "cache0"), progress=False)
        t_warm = time.perf_counter() - start

        print(f"naive loop (functional.resample): {n / t_naive:6.1f} clips/s  ({t_naive:.2f} s)")
        # torch's intra-op threads let even the one-process loop use more than one core at times.
        print(f"baseline loop (1 process):      {n / t_base:8.1f} clips/s  ({t_base:.2f} s,"
              f" {base_cores:.2f} cores busy on average)")
        print(f"baseline loop, 1 torch thread:  {n / t_single:8.1f} clips/s  ({t_single:.2f} s)")
        print(f"extract_features (cold cache):  {n / t_ours:8.1f} clips/s  ({t_ours:.2f} s)"
              f"  ratio {t_base / t_ours:.2f}x  ({t_naive / t_ours:.2f}x the naive loop,"
              f" {t_single / t_ours:.2f}x the 1-thread loop)")
        print(f"extract_features (warm cache):  {n / t_warm:8.1f} clips/s  ({t_warm:.2f} s)"
              f"  ratio {t_base / t_warm:.2f}x  (hash + header read only)")

        split_dataset(state)
        make_labels(state)
        get_dataloaders(state, train_crop_seconds=1.5)
        before = EXTRACTION_COUNTER["computed"]
        for epoch in range(3):
            start = time.perf_counter()
            items = sum(len(batch["y"]) for batch in state["dataloaders"]["train"])
            print(f"epoch {epoch}: {items} items read in {time.perf_counter() - start:.2f} s,"
                  f" features computed during the epoch: {EXTRACTION_COUNTER['computed'] - before}")


if __name__ == "__main__":
    main()
