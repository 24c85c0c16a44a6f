"""Audio file -> class probabilities with a model bundle, checked and windowed; no gradio here.

Audio is decoded, mixed to mono and resampled by the very function training used
(`tasks.features.audio_io.load_audio`), then turned into features by the bundle's own extractor.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from tasks.bundle import ModelBundle
from tasks.features.audio_io import load_audio

# Below this peak level (about -80 dBFS) a recording is taken as silence: there is nothing to classify.
SILENCE_PEAK = 1e-4
MIN_SECONDS = 0.05


class AudioInputError(ValueError):
    """Input the demo cannot classify; the message is meant for the person who sent it."""


@dataclass
class Classification:
    probabilities: dict[str, float]  # every class, summing to 1
    log_mel: np.ndarray  # (n_mels, frames), for display
    seconds_used: float
    notes: list[str] = field(default_factory=list)  # what was done to the input (capped, windows)


class Classifier:
    """Classify audio files of any sample rate, channel count and length with a trained bundle.

    Args:
        bundle: from `tasks.bundle.load_model_bundle`.
        max_seconds: longer recordings are cut to their first `max_seconds` (and a note says so).
        hop_fraction: windows over long recordings overlap by `1 - hop_fraction`.
    """

    def __init__(self, bundle: ModelBundle, max_seconds: float = 30.0, hop_fraction: float = 0.5):
        self.bundle, self.max_seconds, self.hop_fraction = bundle, max_seconds, hop_fraction
        self._display = _display_extractor(bundle)
        # Frames the extractor makes of exactly one training clip (STFT framing adds one or so).
        samples = max(1, round(bundle.window_seconds * bundle.sample_rate))
        self.window_frames = int(bundle.extractor(torch.zeros(1, samples)).shape[-1])

    def classify(self, path: str | os.PathLike | None) -> Classification:
        """Probabilities of every class for the audio in `path`; raises AudioInputError for bad input."""
        wave, notes = self._read(path)
        features = self.bundle.extractor(wave)
        probabilities, windows = self._average_over_windows(features)
        if windows > 1:
            notes.append(f"{windows} windows of {self.bundle.window_seconds:g} s (the training clip length) "
                         "were classified and their probabilities averaged.")
        classes = self.bundle.classes
        return Classification(probabilities={c: float(p) for c, p in zip(classes, probabilities)},
                              log_mel=self._display(wave).numpy(),
                              seconds_used=wave.shape[-1] / self.bundle.sample_rate, notes=notes)

    def _read(self, path: str | os.PathLike | None) -> tuple[torch.Tensor, list[str]]:
        if path is None:
            raise AudioInputError("No audio given: upload a file or record from the microphone.")
        path = Path(path)
        if not path.is_file() or path.stat().st_size == 0:
            raise AudioInputError(f"`{path.name}` is empty (0 bytes): upload an audio file that has sound in it.")
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError) as error:
            formats = ", ".join(sorted(sf.available_formats()))
            raise AudioInputError(f"`{path.name}` could not be read as audio ({_reason(error)}). "
                                  f"Upload a file in one of these formats: {formats}.") from None
        if info.frames <= 0 or info.samplerate <= 0:
            raise AudioInputError(f"`{path.name}` holds no audio samples.")
        duration = info.frames / info.samplerate
        if duration < MIN_SECONDS:
            raise AudioInputError(f"`{path.name}` is {duration * 1000:.0f} ms long: give at least "
                                  f"{MIN_SECONDS * 1000:.0f} ms of audio.")
        notes = [f"Input: {duration:.2f} s, {info.samplerate} Hz, {info.channels} channel(s); classified as "
                 f"mono at {self.bundle.sample_rate} Hz, as in training."]
        frames = -1
        if duration > self.max_seconds:
            frames = int(self.max_seconds * info.samplerate)
            notes.append(f"**Only the first {self.max_seconds:g} s of {duration:.1f} s were classified** "
                         "(longer recordings are capped; see `--max-seconds`).")
        try:
            wave = load_audio(str(path), self.bundle.sample_rate, frames=frames)
        except (sf.LibsndfileError, RuntimeError) as error:
            raise AudioInputError(f"`{path.name}` could not be decoded ({_reason(error)}).") from None
        if not torch.isfinite(wave).all():
            raise AudioInputError(f"`{path.name}` contains NaN or infinite samples: it is not valid audio.")
        peak = float(wave.abs().max())
        if peak < SILENCE_PEAK:
            level = "-inf" if peak == 0 else f"{20 * math.log10(peak):.0f}"
            raise AudioInputError(f"`{path.name}` is silent (peak level {level} dBFS): there is nothing to "
                                  "classify. Check the microphone, or upload a recording with sound.")
        return wave, notes

    @torch.no_grad()
    def _average_over_windows(self, features: torch.Tensor) -> tuple[np.ndarray, int]:
        """Mean softmax over windows of the training clip length (one window when not longer)."""
        length, window = features.shape[-1], self.window_frames
        if length <= window:
            starts = [0]
        else:
            hop = max(1, int(window * self.hop_fraction))
            starts = list(range(0, length - window + 1, hop))
            if starts[-1] + window < length:
                starts.append(length - window)  # the tail gets a window too
        size = min(window, length)
        batch = torch.stack([features[:, s:s + size] for s in starts])
        lengths = torch.full((len(starts),), size, dtype=torch.long)
        logits = self.bundle.model(batch, lengths)
        return logits.float().softmax(-1).mean(0).numpy(), len(starts)


def _display_extractor(bundle: ModelBundle):
    """The bundle's extractor when it makes log-mel spectrograms, else a standard one at its rate."""
    from tasks.features.extractors import LogMel

    if isinstance(bundle.extractor, LogMel):
        return bundle.extractor
    return LogMel(sample_rate=bundle.sample_rate, n_fft=400 * bundle.sample_rate // 16000,
                  hop_length=160 * bundle.sample_rate // 16000)


def _reason(error: Exception) -> str:
    # libsndfile's messages start with the path, which the user already sees: keep the reason.
    text = str(error)
    return (text.split(": ", 1)[-1] if ": " in text else text).strip().rstrip(".")
