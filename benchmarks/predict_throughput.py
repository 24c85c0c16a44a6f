"""`ginpipe predict`'s batched path against the demo's one-file-at-a-time path, on the same files.

    uv run python benchmarks/predict_throughput.py [EXPERIMENT] [--files N] [--workers W]

Trains a `configs/debug/fast.gin` experiment unless one is given, writes N clips (copies of its test
clips at 22.05 kHz, so every file is resampled), then classifies them twice in this process: with
`ModelBundle.predict` (worker processes decode, windows go to the model in batches) and with
`demos.inference.Classifier.classify` file by file. Prints both rates and their ratio, and checks
that the probabilities agree. CPU only (CUDA_VISIBLE_DEVICES is cleared).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["CUDA_VISIBLE_DEVICES"] = ""
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import CONFIGS, ROOT, ginpipe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", nargs="?", help="a trained experiment (default: train a fast one)")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="decoding processes (default: predict's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ginpipe-predict-") as tmp:
        tmp = Path(tmp)
        experiment = Path(args.experiment) if args.experiment else tmp / "fast"
        if not args.experiment:
            ginpipe(ROOT, *CONFIGS, "--output-dir", str(experiment))
        import numpy as np
        import pandas as pd
        import soundfile as sf
        import torch
        import torchaudio.functional as F

        from demos.inference import Classifier
        from tasks.bundle import load_model_bundle
        from tasks.predict import predict_paths

        torch.set_num_threads(1)  # both paths alike; predict's workers add processes, not threads
        sources = pd.read_csv(experiment / "predictions_test.csv")["path"].tolist()
        files = []
        for i in range(args.files):
            wave, rate = sf.read(sources[i % len(sources)], dtype="float32")
            files.append(tmp / f"clip{i:04d}.wav")
            sf.write(files[-1], F.resample(torch.from_numpy(wave), rate, 22050).numpy(), 22050)
        bundle = load_model_bundle(experiment)

        start = time.perf_counter()
        batched = predict_paths(bundle, [str(f) for f in files], num_workers=args.workers)
        batched_s = time.perf_counter() - start
        classifier = Classifier(bundle)
        start = time.perf_counter()
        one_by_one = np.array([list(classifier.classify(f).probabilities.values()) for f in files])
        single_s = time.perf_counter() - start
        assert np.allclose(batched.probabilities, one_by_one, atol=2e-6)
        print(f"{len(files)} files, {os.cpu_count()} cores")
        print(f"ginpipe predict path (batched, workers): {batched_s:6.2f} s  {len(files) / batched_s:7.1f} files/s")
        print(f"demo path (one file at a time):          {single_s:6.2f} s  {len(files) / single_s:7.1f} files/s")
        print(f"speed-up: {single_s / batched_s:.2f}x; probabilities equal within 2e-6")


if __name__ == "__main__":
    main()
