"""Decoding audio with soundfile (torchaudio's loader needs FFmpeg), mixed to mono and resampled."""
from __future__ import annotations

import functools
from typing import BinaryIO

import numpy as np
import soundfile as sf
import torch
import torchaudio.transforms as T


def load_audio(path: str | BinaryIO, sample_rate: int | None = None, start: int = 0,
               frames: int = -1) -> torch.Tensor:
    """Read `frames` samples from `start` (in the file's own rate), as a mono (1, T) float32 tensor.

    Args:
        path: audio file soundfile can read (wav, flac, ogg, au, ...), or an open binary file.
        sample_rate: resample to this rate; None keeps the file's rate.
        start: first sample to read, at the file's rate (random crops read only what they need).
        frames: number of samples to read; -1 reads to the end.

    Example:
        >>> load_audio("clip.wav", sample_rate=16000).shape  # doctest: +SKIP
        torch.Size([1, 16000])
    """
    data, rate = sf.read(path, start=start, frames=frames, dtype="float32", always_2d=True)
    # Averaging channels keeps the level of a centred source instead of summing it up; a mono file
    # skips it (numpy's mean over a (T, 1) array costs as much as the file's decoding).
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)
    wave = torch.from_numpy(np.ascontiguousarray(mono))[None, :]
    if sample_rate is not None and rate != sample_rate:
        wave = _resampler(rate, sample_rate)(wave)
    return wave


@functools.lru_cache(maxsize=16)
def _resampler(orig_rate: int, new_rate: int) -> T.Resample:
    # Building the windowed-sinc kernel costs twice the resampling itself (22.05 -> 16 kHz):
    # build it once per rate pair and process, not once per file as `functional.resample` does.
    return T.Resample(orig_rate, new_rate)
