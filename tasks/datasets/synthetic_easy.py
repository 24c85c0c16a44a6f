"""The easy variant of the embedded dataset (`read_synthetic.difficulty = 'easy'`): the first recipe.

Ten classes that differ in several ways at once (pitch range, harmonic timbre, envelope, rhythm,
noise), each clip over a quieter sound of another class and mild noise, at one fixed length. The
default ResNet-10 scored 0.996 test accuracy on it, so tests that need a sure signal of learning use it. Its clips
are, sample for sample, those of the dataset's version 3.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .synth_dsp import bandpassed_noise, fade_window, harmonics, pulses, rms_normalised

__all__ = ["EASY_CLASSES", "synthesize_easy_clip"]

_Recipe = Callable[[np.random.Generator, np.ndarray, int], np.ndarray]


def _bass_pluck(rng, t, sr):  # low, bright saw-like tone, sharp attack and decay, 1-2 notes
    f0 = rng.uniform(55, 110)
    onset = rng.uniform(0, 0.3)
    env = pulses(t, rate=rng.choice([1.0, 2.0]), onset=onset, decay=rng.uniform(0.08, 0.15))
    return env * harmonics(f0, t, sr, [1 / k for k in range(1, 16)])


def _flute(rng, t, sr):  # high, nearly pure tone with vibrato, slow swell, breath noise
    f0 = rng.uniform(500, 1000) * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 6) * t))
    swell = np.clip(t / rng.uniform(0.2, 0.5), 0, 1)
    breath = 0.08 * bandpassed_noise(rng, len(t), sr, 2000, 6000)
    return swell * (harmonics(f0, t, sr, [1.0, 0.25, 0.08]) + breath)


def _bell(rng, t, sr):  # inharmonic partials, one strike, long ring
    f0 = rng.uniform(300, 700)
    onset = rng.uniform(0, 0.4)
    env = np.where(t >= onset, np.exp(-(t - onset) / rng.uniform(0.3, 0.6)), 0.0)
    return env * harmonics(f0, t, sr, [1.0, 0.6, 0.4, 0.25], ratios=[1.0, 2.76, 5.40, 8.93])


def _square_lead(rng, t, sr):  # mid pitch, odd harmonics only, sustained with tremolo
    f0 = rng.uniform(200, 400)
    tremolo = 0.75 + 0.25 * np.sin(2 * np.pi * rng.uniform(5, 8) * t)
    return tremolo * harmonics(f0, t, sr, [1.0, 0, 1 / 3, 0, 1 / 5, 0, 1 / 7, 0, 1 / 9])


def _drum_roll(rng, t, sr):  # low noise hits, fast regular rhythm
    env = pulses(t, rate=rng.uniform(8, 12), onset=rng.uniform(0, 0.1), decay=0.02)
    return env * bandpassed_noise(rng, len(t), sr, 60, 400)


def _hihat(rng, t, sr):  # high noise ticks, slow rhythm
    env = pulses(t, rate=rng.uniform(3, 6), onset=rng.uniform(0, 0.2), decay=0.015)
    return env * bandpassed_noise(rng, len(t), sr, 5000, 7800)


def _chirp(rng, t, sr):  # upward pitch sweeps repeated 2-4 times
    rate = rng.uniform(2, 4)
    since = np.mod(t, 1.0 / rate) * rate  # 0..1 within each sweep
    f0 = rng.uniform(250, 500) * (1 + 2 * since)
    return np.sin(np.pi * since) * harmonics(f0, t, sr, [1.0, 0.3])


def _organ(rng, t, sr):  # low-mid pitch, rich even and odd harmonics, flat sustained
    f0 = rng.uniform(100, 220)
    gate = np.clip(t / 0.02, 0, 1) * np.clip((t[-1] - t) / 0.02, 0, 1)
    return gate * harmonics(f0, t, sr, [1.0, 0.7, 0.5, 0.5, 0.3, 0.3, 0.2, 0.2])


def _alarm(rng, t, sr):  # two alternating tones a fifth apart
    rate = rng.uniform(4, 8)
    f_low = rng.uniform(600, 900)
    f0 = np.where(np.mod(t * rate, 1.0) < 0.5, f_low, 1.5 * f_low)
    return harmonics(f0, t, sr, [1.0, 0.2, 0.1])


def _hum(rng, t, sr):  # mains hum: 50 or 60 Hz harmonics under broadband noise
    f0 = rng.choice([50.0, 60.0]) * rng.uniform(0.99, 1.01)
    hum = harmonics(f0, t, sr, [1.0, 0.8, 0.6, 0.4, 0.3, 0.2])
    return hum + 0.3 * bandpassed_noise(rng, len(t), sr, 20, 7900)


_RECIPES: dict[str, _Recipe] = {
    "bass_pluck": _bass_pluck, "flute": _flute, "bell": _bell, "square_lead": _square_lead,
    "drum_roll": _drum_roll, "hihat": _hihat, "chirp": _chirp, "organ": _organ,
    "alarm": _alarm, "hum": _hum,
}
EASY_CLASSES = tuple(_RECIPES)


def _event_window(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """The sound lasts 40-100 % of the clip, at a random position, with 10 ms fades."""
    length = rng.uniform(0.4, 1.0) * t[-1]
    start = rng.uniform(0, t[-1] - length)
    return fade_window(t, start, length)


def synthesize_easy_clip(label: str, index: int, sample_rate: int = 16000, duration: float = 1.0,
                         seed: int = 0) -> np.ndarray:
    """One deterministic clip of class `label` (one of `EASY_CLASSES`), float32 in [-1, 1]."""
    class_id = EASY_CLASSES.index(label)
    rng = np.random.default_rng([seed, class_id, index])
    t = np.arange(int(round(sample_rate * duration))) / sample_rate
    clip = rms_normalised(_RECIPES[label](rng, t, sample_rate) * _event_window(rng, t))
    other = EASY_CLASSES[(class_id + rng.integers(1, len(EASY_CLASSES))) % len(EASY_CLASSES)]
    distractor = rms_normalised(_RECIPES[other](rng, t, sample_rate) * _event_window(rng, t))
    # Levels relative to the target's energy: the distractor 6-12 dB below, noise 5-25 dB below.
    clip = clip + 10 ** (-rng.uniform(6, 12) / 20) * distractor
    clip = clip + 10 ** (-rng.uniform(5, 25) / 20) * rng.standard_normal(len(t))
    # A random peak level, so loudness carries no label.
    clip = clip / (np.abs(clip).max() + 1e-9) * rng.uniform(0.3, 0.9)
    return clip.astype(np.float32)
