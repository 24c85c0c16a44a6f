"""Audio file -> class probabilities with a model bundle, checked and windowed; no gradio here.

Reading, resampling, mono mixdown, windowing and the softmax average are `tasks.inference`'s, the
code path `ginpipe predict` and evaluation share: the demo adds only its notes and the spectrogram.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tasks.bundle import ModelBundle
from tasks.inference import MIN_SECONDS, SILENCE_PEAK, AudioInputError, clip_probabilities, read_clip, window_frames

__all__ = ["AudioInputError", "Classification", "Classifier", "MIN_SECONDS", "SILENCE_PEAK"]


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
    """

    def __init__(self, bundle: ModelBundle, max_seconds: float = 30.0):
        self.bundle, self.max_seconds = bundle, max_seconds
        self._display = _display_extractor(bundle)
        self.window_frames = window_frames(bundle.extractor, bundle.window_seconds, bundle.sample_rate)

    def classify(self, path: str | os.PathLike | None) -> Classification:
        """Probabilities of every class for the audio in `path`; raises AudioInputError for bad input."""
        bundle = self.bundle
        clip = read_clip(path, bundle.sample_rate, self.max_seconds)
        notes = [f"Input: {clip.seconds:.2f} s, {clip.file_rate} Hz, {clip.channels} channel(s); classified as "
                 f"mono at {bundle.sample_rate} Hz, as in training."]
        if clip.capped:
            notes.append(f"**Only the first {self.max_seconds:g} s of {clip.seconds:.1f} s were classified** "
                         "(longer recordings are capped; see `--max-seconds`).")
        probabilities, windows = clip_probabilities(bundle.model, bundle.extractor(clip.wave), self.window_frames)
        if windows > 1:
            notes.append(f"{windows} windows of {bundle.window_seconds:g} s (the training clip length) "
                         "were classified and their probabilities averaged.")
        return Classification(probabilities={c: float(p) for c, p in zip(bundle.classes, probabilities)},
                              log_mel=self._display(clip.wave).numpy(),
                              seconds_used=clip.wave.shape[-1] / bundle.sample_rate, notes=notes)


def _display_extractor(bundle: ModelBundle):
    """The bundle's extractor when it makes log-mel spectrograms, else a standard one at its rate."""
    from tasks.features.extractors import LogMel

    if isinstance(bundle.extractor, LogMel):
        return bundle.extractor
    return LogMel(sample_rate=bundle.sample_rate, n_fft=400 * bundle.sample_rate // 16000,
                  hop_length=160 * bundle.sample_rate // 16000)
