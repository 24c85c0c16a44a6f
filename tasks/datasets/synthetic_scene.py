"""What a recording adds to a sound: a room, a background scene, other events, a channel, a level.

`record_clip` turns a source of `synthetic_sources` into a clip as a microphone would have
captured it. Every nuisance is drawn per clip from the clip's own generator, so the dataset stays
deterministic:

- a variable clip length (0.6-1.4 x the nominal duration), the event filling 50-100 % of it;
- pitch (+-3 semitones) and tempo (0.8-1.25 x) variation within the class;
- reverberation by a synthetic room impulse response (RT60 0.1-0.9 s), in 3 clips out of 4;
- a background scene (street rumble, babble, rain, mains hum, pink noise) at 0-20 dB SNR;
- in 60 % of the clips, an overlapping event of another class 4-16 dB below the target;
- a channel: telephone band (300-3400 Hz), a muffled low-pass, or a bright tilt; or none;
- a random level (-32 to -1 dBFS peak), and clipping (overdriven, then limited) in one clip in ten.
"""
from __future__ import annotations

import numpy as np
from scipy import fft, signal

from .synth_dsp import coloured_noise, fade_window, harmonics, rms, rms_normalised
from .synthetic_sources import HARD_CLASSES, SOURCES

__all__ = ["record_clip"]

SNR_DB = (0.0, 20.0)
OTHER_EVENT_DB = (4.0, 16.0)


def _source_event(rng: np.random.Generator, label: str, t: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """One event of `label` with its own pitch and tempo, filling 50-100 % of the clip, unit RMS; and
    where it sounds (a boolean per sample)."""
    pitch = 2 ** (rng.uniform(-3, 3) / 12)
    tempo = rng.uniform(0.8, 1.25)
    length = rng.uniform(0.5, 1.0) * t[-1]
    start = rng.uniform(0, t[-1] - length)
    local = np.clip(t - start, 0, None)  # the source starts at its own time zero
    event = SOURCES[label](rng, local, sr, pitch, tempo) * fade_window(t, start, length)
    return rms_normalised(event), (t >= start) & (t <= start + length)


def _room_impulse_response(rng: np.random.Generator, sr: int) -> np.ndarray:
    """Direct path, a few early reflections, then an exponentially decaying noise tail."""
    rt60 = rng.uniform(0.1, 0.9)
    n = int(sr * min(rt60 * 1.2, 1.0))
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
    # Walls absorb high frequencies more: the tail is low-passed.
    tail = signal.sosfilt(signal.butter(2, rng.uniform(2500, 7000), fs=sr, output="sos"), tail)
    tail[: int(0.005 * sr)] = 0  # the tail starts after the first reflections
    # Direct-to-reverberant energy ratio from -3 dB (far, echoing) to 12 dB (close, dry).
    rir = tail * np.sqrt(10 ** (-rng.uniform(-3, 12) / 10) / (np.sum(tail ** 2) + 1e-12))
    rir[0] = 1.0
    for delay in rng.uniform(0.002, 0.02, 4):
        rir[int(delay * sr)] += rng.uniform(-0.5, 0.5)
    return rir


def _babble(rng, n, sr):  # several voices: harmonic tones with syllable-rate bursts and moving pitch
    t = np.arange(n) / sr
    out = np.zeros(n)
    for _ in range(rng.integers(3, 6)):
        f0 = rng.uniform(90, 240) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.5, 2) * t))
        syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3, 5) * t + rng.uniform(0, 6.3)), 0, None)
        voice = harmonics(f0, t, sr, [1 / k for k in range(1, 9)])
        out += syllables * signal.lfilter([1.0], [1.0, -rng.uniform(0.5, 0.9)], voice)
    return out


def _rain(rng, n, sr):  # dense random clicks, high-passed
    clicks = (rng.random(n) < 0.004) * rng.standard_normal(n)
    return signal.sosfilt(signal.butter(2, 1500, "highpass", fs=sr, output="sos"), clicks)


def _hum(rng, n, sr):
    t = np.arange(n) / sr
    f0 = rng.choice([50.0, 60.0]) * rng.uniform(0.99, 1.01)
    return harmonics(f0, t, sr, [1.0, 0.7, 0.5, 0.4, 0.3]) + 0.5 * coloured_noise(rng, n, 1.0)


def _background(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    scene = rng.integers(5)
    if scene == 0:  # street: brown rumble with a passing swell
        swell = 1 + 0.5 * np.sin(np.pi * np.arange(n) / n * rng.uniform(0.5, 2))
        noise = swell * coloured_noise(rng, n, 2.0)
    elif scene == 1:
        noise = _babble(rng, n, sr)
    elif scene == 2:
        noise = _rain(rng, n, sr) + 0.3 * coloured_noise(rng, n, 1.0)
    elif scene == 3:
        noise = _hum(rng, n, sr)
    else:
        noise = coloured_noise(rng, n, 1.0)
    return rms_normalised(noise)


def _channel(rng: np.random.Generator, x: np.ndarray, sr: int) -> np.ndarray:
    kind = rng.random()
    if kind < 0.25:  # telephone
        sos = signal.butter(4, [300, 3400], "bandpass", fs=sr, output="sos")
    elif kind < 0.4:  # muffled: through a wall, a pocket, a cheap microphone
        sos = signal.butter(2, rng.uniform(1200, 3500), fs=sr, output="sos")
    elif kind < 0.55:  # bright, thin: a small loudspeaker
        sos = signal.butter(1, rng.uniform(200, 600), "highpass", fs=sr, output="sos")
    else:
        return x
    return signal.sosfilt(sos, x)


def _level_and_clipping(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    x = x / (np.abs(x).max() + 1e-9)
    if rng.random() < 0.1:  # overdriven input, hard-limited: adds distortion products
        x = np.clip(x * 10 ** (rng.uniform(3, 12) / 20), -1, 1)
    return x * 10 ** (-rng.uniform(1, 32) / 20)


def record_clip(rng: np.random.Generator, label: str, sample_rate: int, duration: float) -> np.ndarray:
    """A clip of class `label` as recorded: source, room, scene, other event, channel, level.

    Example:
        >>> clip = record_clip(np.random.default_rng(0), "bell", 16000, 1.0)
        >>> 0.6 * 16000 <= len(clip) <= 1.4 * 16000
        True
    """
    # A length whose FFTs are fast (only factors 2, 3, 5): noises and convolutions are computed by FFT.
    longest = fft.prev_fast_len(int(sample_rate * duration * 1.4), real=True)
    n = min(fft.next_fast_len(int(round(sample_rate * duration * rng.uniform(0.6, 1.4))), real=True), longest)
    t = np.arange(n) / sample_rate
    target, active = _source_event(rng, label, t, sample_rate)
    mix = target
    if rng.random() < 0.6:
        others = [c for c in HARD_CLASSES if c != label]
        other, _ = _source_event(rng, others[rng.integers(len(others))], t, sample_rate)
        mix = mix + 10 ** (-rng.uniform(*OTHER_EVENT_DB) / 20) * other
    if rng.random() < 0.75:
        mix = signal.fftconvolve(mix, _room_impulse_response(rng, sample_rate))[:n]
    # SNR against the target's energy while it sounds, as a listener would judge it.
    level = rms(mix[active]) if active.any() else rms(mix)
    mix = mix + level * 10 ** (-rng.uniform(*SNR_DB) / 20) * _background(rng, n, sample_rate)
    return _level_and_clipping(rng, _channel(rng, mix, sample_rate)).astype(np.float32)
