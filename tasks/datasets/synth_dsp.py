"""Signal building blocks shared by the synthetic dataset's recipes: tones, pulses, noises, fades."""
from __future__ import annotations

import numpy as np

__all__ = ["harmonics", "pulses", "bandpassed_noise", "coloured_noise", "rms", "rms_normalised", "fade_window"]


def harmonics(f0: np.ndarray | float, t: np.ndarray, sr: int, amplitudes, ratios=None) -> np.ndarray:
    """Sum of partials `ratios[k] * f0` with `amplitudes[k]`, skipping those above Nyquist.

    Without `ratios` the partials are the harmonics 1, 2, 3, ...

    Example:
        >>> t = np.arange(1600) / 16000
        >>> bool(np.allclose(harmonics(440.0, t, 16000, [1.0, 0.5]),
        ...                  harmonics(440.0, t, 16000, [1.0, 0.5], ratios=[1.0, 2.0])))
        True
    """
    # A time-varying f0 needs the integrated phase, not f0 * t.
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(f0, t.shape)) / sr
    f_max = float(np.max(f0))
    audible = [(sr / 2 - 100) / f_max > ratio for ratio in
               (range(1, len(amplitudes) + 1) if ratios is None else ratios)]
    out = np.zeros_like(t)
    if ratios is None:
        # sin((k+1)x) = 2 cos(x) sin(kx) - sin((k-1)x): each harmonic from the two below it, a few
        # multiplications instead of a sine per sample (sines were most of the dataset's generation time).
        twice_cos, below, current = 2 * np.cos(phase), np.zeros_like(t), np.sin(phase)
        for amplitude, keep in zip(amplitudes, audible):
            if not keep:
                break  # the harmonics above are higher still
            if amplitude:
                out += amplitude * current
            below, current = current, twice_cos * current - below
        return out
    for ratio, amplitude, keep in zip(ratios, amplitudes, audible):
        if amplitude and keep:
            out += amplitude * np.sin(ratio * phase)
    return out


def pulses(t: np.ndarray, rate: float, onset: float, decay: float) -> np.ndarray:
    """Train of exponentially decaying pulses at `rate` Hz starting at `onset` seconds."""
    since = np.mod(t - onset, 1.0 / rate)
    return np.where(t >= onset, np.exp(-since / decay), 0.0)


def bandpassed_noise(rng: np.random.Generator, n: int, sr: int, low: float, high: float) -> np.ndarray:
    """White noise keeping only `low`..`high` Hz (brick-wall, in the FFT), peak 1."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spectrum[(freqs < low) | (freqs > high)] = 0
    noise = np.fft.irfft(spectrum, n)
    return noise / (np.abs(noise).max() + 1e-9)


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise whose power falls as 1/f**exponent (1: pink, 2: brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=float)
    freqs[0] = 1.0
    noise = np.fft.irfft(spectrum / freqs ** (exponent / 2), n)
    return rms_normalised(noise)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2)))


def rms_normalised(x: np.ndarray) -> np.ndarray:
    return x / (rms(x) + 1e-9)


def fade_window(t: np.ndarray, start: float, length: float, fade: float = 0.01) -> np.ndarray:
    """1 from `start` for `length` seconds, 0 elsewhere, with linear fades of `fade` seconds."""
    return np.clip((t - start) / fade, 0, 1) * np.clip((start + length - t) / fade, 0, 1)
