"""The sound sources of the default (hard) embedded dataset: ten classes in five confusable pairs.

The two classes of a pair share pitch range, timbre and level, and differ in one cue only, so a
model has to learn that cue and the confusion matrix has a block structure. In three pairs the cue's
ranges overlap (after the tempo variation for the rates and decays), so some clips are ambiguous
however good the model, as in real recordings:

| pair | classes | the only difference |
|---|---|---|
| harmonic parity | `clarinet`, `oboe` | even harmonics 0-0.4 (clarinet) or 0.3-1 of the odd ones' level |
| envelope | `pluck`, `bowed` | sharp attack and decay, or slow swell and sustain |
| sweep direction | `chirp_up`, `chirp_down` | the same sweeps played forwards or backwards |
| modulation rate | `engine`, `motor` | rumble pulsing at 4.5-6.5 Hz, or at 9-12 Hz (x tempo) |
| ring | `bell`, `knock` | inharmonic strike ringing 0.2-0.7 s, or damped in 0.03-0.22 s (/ tempo) |

Features pooled over time (mean and standard deviation) cannot see a sweep's direction or a
modulation's rate, a frame-level model can: choices of features and model show in the results.

Each recipe takes `pitch` (a frequency factor) and `tempo` (a rate factor) drawn per clip, so a
class is a distribution of sounds, not a template.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .synth_dsp import bandpassed_noise, harmonics

__all__ = ["HARD_CLASSES", "SOURCES", "Source"]

# (rng, t, sample_rate, pitch, tempo) -> waveform of the event, any scale.
Source = Callable[[np.random.Generator, np.ndarray, int, float, float], np.ndarray]


def _vibrato(rng, t, depth: float = 0.006) -> np.ndarray:
    return 1 + depth * np.sin(2 * np.pi * rng.uniform(4, 6.5) * t + rng.uniform(0, 2 * np.pi))


def _reed(rng, t, sr, pitch, even_gain) -> np.ndarray:
    """A reed-like sustained tone: partials 1/k, even ones scaled by `even_gain`."""
    f0 = rng.uniform(180, 330) * pitch * _vibrato(rng, t)
    amplitudes = [(even_gain if k % 2 == 0 else 1.0) / k for k in range(1, 13)]
    attack = rng.uniform(0.03, 0.08)
    return np.clip(t / attack, 0, 1) * harmonics(f0, t, sr, amplitudes)


def _clarinet(rng, t, sr, pitch, tempo):  # odd harmonics dominate
    return _reed(rng, t, sr, pitch, even_gain=rng.uniform(0.0, 0.4))


def _oboe(rng, t, sr, pitch, tempo):  # every harmonic (the ranges overlap: some clips are ambiguous)
    return _reed(rng, t, sr, pitch, even_gain=rng.uniform(0.3, 1.0))


_STRING = [1 / k ** 1.3 for k in range(1, 11)]


def _notes(rng, t, tempo) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: time since the current note began, and that note's pitch factor (2-4 notes)."""
    n_notes = rng.integers(2, 5)
    starts = np.sort(rng.uniform(0, max(t[-1] - 0.15, 0.05), n_notes))
    starts[0] = rng.uniform(0, 0.05)
    note = np.searchsorted(starts, t, side="right") - 1
    since = np.where(note >= 0, t - starts[np.maximum(note, 0)], 0.0)
    intervals = 2 ** (rng.choice([0, 2, 3, 5, 7], n_notes) / 12)
    return since, np.where(note >= 0, intervals[np.maximum(note, 0)], 1.0)


def _pluck(rng, t, sr, pitch, tempo):  # 2-4 notes, each a sharp attack and a quick decay
    since, interval = _notes(rng, t, tempo)
    f0 = rng.uniform(250, 450) * pitch * interval
    envelope = np.clip(since / 0.004, 0, 1) * np.exp(-since / (rng.uniform(0.08, 0.16) / tempo))
    return envelope * harmonics(f0, t, sr, _STRING)


def _bowed(rng, t, sr, pitch, tempo):  # the same notes and timbre, each swelling in and held
    since, interval = _notes(rng, t, tempo)
    f0 = rng.uniform(250, 450) * pitch * interval * _vibrato(rng, t)
    envelope = np.clip(since / (rng.uniform(0.08, 0.16) / tempo), 0, 1)
    return envelope * harmonics(f0, t, sr, _STRING)


def _sweeps(rng, t, sr, pitch, tempo, rising: bool) -> np.ndarray:
    rate = rng.uniform(2.0, 3.5) * tempo
    phase = np.mod(t * rate + rng.uniform(0, 1), 1.0)  # 0..1 within each sweep
    position = phase if rising else 1 - phase
    f0 = rng.uniform(300, 500) * pitch * 2 ** (rng.uniform(0.8, 1.2) * position)
    return np.sin(np.pi * phase) ** 2 * harmonics(f0, t, sr, [1.0, 0.4, 0.15])


def _chirp_up(rng, t, sr, pitch, tempo):
    return _sweeps(rng, t, sr, pitch, tempo, rising=True)


def _chirp_down(rng, t, sr, pitch, tempo):
    return _sweeps(rng, t, sr, pitch, tempo, rising=False)


def _rumble(rng, t, sr, pitch, rate) -> np.ndarray:
    """Engine-like: low harmonics plus band noise, amplitude-modulated at `rate` Hz."""
    f0 = rng.uniform(70, 120) * pitch
    body = harmonics(f0, t, sr, [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]) / 2
    body = body + bandpassed_noise(rng, len(t), sr, 150, 2500)
    modulation = 0.5 + 0.5 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi))
    return (0.15 + 0.85 * modulation ** 2) * body


def _engine(rng, t, sr, pitch, tempo):  # slow pulsing
    return _rumble(rng, t, sr, pitch, rng.uniform(4.5, 6.5) * tempo)


def _motor(rng, t, sr, pitch, tempo):  # fast pulsing
    return _rumble(rng, t, sr, pitch, rng.uniform(9, 12) * tempo)


_BELL_RATIOS = [1.0, 2.76, 5.40, 8.93]


def _strikes(rng, t, sr, pitch, decay) -> np.ndarray:
    """1-2 strikes of inharmonic partials, each ringing with time constant `decay`."""
    f0 = rng.uniform(350, 650) * pitch
    out = np.zeros_like(t)
    for onset in np.sort(rng.uniform(0, max(t[-1] * 0.6, 0.01), rng.integers(1, 3))):
        since = t - onset
        envelope = np.where(since >= 0, np.exp(-np.maximum(since, 0) / decay), 0.0)
        out += envelope * harmonics(f0, t, sr, [1.0, 0.6, 0.4, 0.25], ratios=_BELL_RATIOS)
    return out


def _bell(rng, t, sr, pitch, tempo):  # long ring
    return _strikes(rng, t, sr, pitch, rng.uniform(0.2, 0.7) / tempo)


def _knock(rng, t, sr, pitch, tempo):  # the same partials, damped (in a reverberant room, nearly a bell)
    return _strikes(rng, t, sr, pitch, rng.uniform(0.03, 0.22) / tempo)


SOURCES: dict[str, Source] = {
    "clarinet": _clarinet, "oboe": _oboe, "pluck": _pluck, "bowed": _bowed,
    "chirp_up": _chirp_up, "chirp_down": _chirp_down, "engine": _engine, "motor": _motor,
    "bell": _bell, "knock": _knock,
}
HARD_CLASSES = tuple(SOURCES)
