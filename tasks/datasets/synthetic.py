"""The embedded default dataset: ten classes of synthetic sounds, generated on first use.

Each class differs from the others in several ways at once (pitch range, harmonic timbre, envelope,
rhythm, noise); every clip draws its own pitch, timing, duration and gain, over a quieter sound of
another class and background noise at a random SNR, so a model has
to learn the class, not a fixed waveform. Clips are generated deterministically from
`(seed, class, clip)` into a cache folder keyed by the generation settings, so changing a setting
never reuses stale audio, and a second call only lists the files.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import soundfile as sf

from ginpipe.io import atomic_write, write_json

from .readers import read_folder

# Bump when the recipes below change: the cache folder name includes it.
_VERSION = 3
_COMPLETE = "_COMPLETE.json"

_Recipe = Callable[[np.random.Generator, np.ndarray, int], np.ndarray]


def _harmonics(f0: np.ndarray | float, t: np.ndarray, sr: int, amplitudes, ratios=None) -> np.ndarray:
    """Sum of partials `ratios[k] * f0` with `amplitudes[k]`, skipping those above Nyquist."""
    ratios = np.arange(1, len(amplitudes) + 1) if ratios is None else np.asarray(ratios)
    # A time-varying f0 needs the integrated phase, not f0 * t.
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(f0, t.shape)) / sr
    f_max = float(np.max(f0))
    out = np.zeros_like(t)
    for ratio, amplitude in zip(ratios, amplitudes):
        if ratio * f_max < sr / 2 - 100:
            out += amplitude * np.sin(ratio * phase)
    return out


def _pulses(t: np.ndarray, rate: float, onset: float, decay: float) -> np.ndarray:
    """Train of exponentially decaying pulses at `rate` Hz starting at `onset` seconds."""
    since = np.mod(t - onset, 1.0 / rate)
    return np.where(t >= onset, np.exp(-since / decay), 0.0)


def _bandpassed_noise(rng: np.random.Generator, n: int, sr: int, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum[(freqs < low) | (freqs > high)] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.abs(noise).max() + 1e-9)


def _bass_pluck(rng, t, sr):  # low, bright saw-like tone, sharp attack and decay, 1-2 notes
    f0 = rng.uniform(55, 110)
    onset = rng.uniform(0, 0.3)
    env = _pulses(t, rate=rng.choice([1.0, 2.0]), onset=onset, decay=rng.uniform(0.08, 0.15))
    return env * _harmonics(f0, t, sr, [1 / k for k in range(1, 16)])


def _flute(rng, t, sr):  # high, nearly pure tone with vibrato, slow swell, breath noise
    f0 = rng.uniform(500, 1000) * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 6) * t))
    swell = np.clip(t / rng.uniform(0.2, 0.5), 0, 1)
    breath = 0.08 * _bandpassed_noise(rng, len(t), sr, 2000, 6000)
    return swell * (_harmonics(f0, t, sr, [1.0, 0.25, 0.08]) + breath)


def _bell(rng, t, sr):  # inharmonic partials, one strike, long ring
    f0 = rng.uniform(300, 700)
    onset = rng.uniform(0, 0.4)
    env = np.where(t >= onset, np.exp(-(t - onset) / rng.uniform(0.3, 0.6)), 0.0)
    return env * _harmonics(f0, t, sr, [1.0, 0.6, 0.4, 0.25], ratios=[1.0, 2.76, 5.40, 8.93])


def _square_lead(rng, t, sr):  # mid pitch, odd harmonics only, sustained with tremolo
    f0 = rng.uniform(200, 400)
    tremolo = 0.75 + 0.25 * np.sin(2 * np.pi * rng.uniform(5, 8) * t)
    return tremolo * _harmonics(f0, t, sr, [1.0, 0, 1 / 3, 0, 1 / 5, 0, 1 / 7, 0, 1 / 9])


def _drum_roll(rng, t, sr):  # low noise hits, fast regular rhythm
    env = _pulses(t, rate=rng.uniform(8, 12), onset=rng.uniform(0, 0.1), decay=0.02)
    return env * _bandpassed_noise(rng, len(t), sr, 60, 400)


def _hihat(rng, t, sr):  # high noise ticks, slow rhythm
    env = _pulses(t, rate=rng.uniform(3, 6), onset=rng.uniform(0, 0.2), decay=0.015)
    return env * _bandpassed_noise(rng, len(t), sr, 5000, 7800)


def _chirp(rng, t, sr):  # upward pitch sweeps repeated 2-4 times
    rate = rng.uniform(2, 4)
    since = np.mod(t, 1.0 / rate) * rate  # 0..1 within each sweep
    f0 = rng.uniform(250, 500) * (1 + 2 * since)
    return np.sin(np.pi * since) * _harmonics(f0, t, sr, [1.0, 0.3])


def _organ(rng, t, sr):  # low-mid pitch, rich even and odd harmonics, flat sustained
    f0 = rng.uniform(100, 220)
    gate = np.clip(t / 0.02, 0, 1) * np.clip((t[-1] - t) / 0.02, 0, 1)
    return gate * _harmonics(f0, t, sr, [1.0, 0.7, 0.5, 0.5, 0.3, 0.3, 0.2, 0.2])


def _alarm(rng, t, sr):  # two alternating tones a fifth apart
    rate = rng.uniform(4, 8)
    f_low = rng.uniform(600, 900)
    f0 = np.where(np.mod(t * rate, 1.0) < 0.5, f_low, 1.5 * f_low)
    return _harmonics(f0, t, sr, [1.0, 0.2, 0.1])


def _hum(rng, t, sr):  # mains hum: 50 or 60 Hz harmonics under broadband noise
    f0 = rng.choice([50.0, 60.0]) * rng.uniform(0.99, 1.01)
    hum = _harmonics(f0, t, sr, [1.0, 0.8, 0.6, 0.4, 0.3, 0.2])
    return hum + 0.3 * _bandpassed_noise(rng, len(t), sr, 20, 7900)


_RECIPES: dict[str, _Recipe] = {
    "bass_pluck": _bass_pluck, "flute": _flute, "bell": _bell, "square_lead": _square_lead,
    "drum_roll": _drum_roll, "hihat": _hihat, "chirp": _chirp, "organ": _organ,
    "alarm": _alarm, "hum": _hum,
}
SYNTHETIC_CLASSES = tuple(_RECIPES)


def _event_window(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """The sound lasts 40-100 % of the clip, at a random position, with 10 ms fades."""
    length = rng.uniform(0.4, 1.0) * t[-1]
    start = rng.uniform(0, t[-1] - length)
    return np.clip((t - start) / 0.01, 0, 1) * np.clip((start + length - t) / 0.01, 0, 1)


def synthesize_clip(label: str, index: int, sample_rate: int = 16000, duration: float = 1.0,
                    seed: int = 0) -> np.ndarray:
    """One deterministic clip of class `label`, float32 in [-1, 1].

    The target sound plays for part of the clip, over a quieter sound of another class and
    background noise at a random SNR, so no single cue (loudness, onset, noise floor) gives the
    class away and a model has to learn.

    Example:
        >>> clip = synthesize_clip("bell", 0)
        >>> clip.shape, clip.dtype
        ((16000,), dtype('float32'))
    """
    class_id = SYNTHETIC_CLASSES.index(label)
    rng = np.random.default_rng([seed, class_id, index])
    t = np.arange(int(round(sample_rate * duration))) / sample_rate
    clip = _rms_normalised(_RECIPES[label](rng, t, sample_rate) * _event_window(rng, t))
    other = SYNTHETIC_CLASSES[(class_id + rng.integers(1, len(SYNTHETIC_CLASSES))) % len(SYNTHETIC_CLASSES)]
    distractor = _rms_normalised(_RECIPES[other](rng, t, sample_rate) * _event_window(rng, t))
    # Levels relative to the target's energy: the distractor 6-12 dB below, noise 5-25 dB below.
    clip = clip + 10 ** (-rng.uniform(6, 12) / 20) * distractor
    clip = clip + 10 ** (-rng.uniform(5, 25) / 20) * rng.standard_normal(len(t))
    # A random peak level, so loudness carries no label.
    clip = clip / (np.abs(clip).max() + 1e-9) * rng.uniform(0.3, 0.9)
    return clip.astype(np.float32)


def _rms_normalised(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-9)


def _settings_folder(root: Path, clips_per_class: int, sample_rate: int, duration: float,
                     seed: int) -> Path:
    settings = dict(version=_VERSION, clips_per_class=clips_per_class, sample_rate=sample_rate,
                    duration=duration, seed=seed)
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    return root / f"synthetic-{digest}", settings


def generate_synthetic_dataset(root: str | Path = "data/generated/synthetic", clips_per_class: int = 160,
                               sample_rate: int = 16000, duration: float = 1.0, seed: int = 0,
                               n_jobs: int | None = None) -> Path:
    """Write the dataset as `<folder>/<label>/<label>_<i>.wav` once; return the folder.

    The folder name hashes the settings. A `_COMPLETE.json` marker is written last, so an interrupted
    generation is redone rather than used half-written.
    """
    folder, settings = _settings_folder(Path(root), clips_per_class, sample_rate, duration, seed)
    if (folder / _COMPLETE).is_file():
        return folder
    jobs = [(label, i) for label in SYNTHETIC_CLASSES for i in range(clips_per_class)]

    def write(job: tuple[str, int]) -> None:
        label, i = job
        path = folder / label / f"{label}_{i:04d}.wav"
        # Several processes (DDP ranks) may generate at once: write aside, then rename atomically.
        wave = synthesize_clip(label, i, sample_rate, duration, seed)
        atomic_write(path, lambda f: sf.write(f, wave, sample_rate, subtype="PCM_16", format="WAV"), durable=False)

    # numpy's FFTs and soundfile's writes release the GIL, so threads use every core.
    with ThreadPoolExecutor(n_jobs or os.cpu_count()) as pool:
        list(pool.map(write, jobs))
    write_json(folder / _COMPLETE, settings, durable=False)
    return folder


def read_synthetic(root: str | Path = "data/generated/synthetic", clips_per_class: int = 160,
                   sample_rate: int = 16000, duration: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Reader for `load_dataset`: the embedded synthetic dataset, generated on first use.

    Example (gin):
        load_dataset.reader_fn = [@read_synthetic]
        read_synthetic.clips_per_class = 160
    """
    folder = generate_synthetic_dataset(root, clips_per_class, sample_rate, duration, seed)
    frame = read_folder(folder, extensions=(".wav",))
    frame["dataset"] = "synthetic"
    return frame
