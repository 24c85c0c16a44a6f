"""One clip -> class probabilities: the steps the demo, `ginpipe predict` and evaluation share.

Audio is decoded, mixed to mono and resampled by the function training used
(`tasks.features.audio_io.load_audio`) and turned into features by the bundle's own extractor;
recordings longer than the training clips are cut into windows of that length, and the softmax of
the model's logits is averaged over the windows. Evaluation classifies whole test clips (no clip is
longer than the window, which is the longest clip of the dataset), so the three agree on a clip.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
import torch

from tasks.features.audio_io import load_audio

# Below this peak level (about -80 dBFS) a recording is taken as silence: there is nothing to classify.
SILENCE_PEAK = 1e-4
MIN_SECONDS = 0.05
HOP_FRACTION = 0.5  # windows over a long recording overlap by half


class AudioInputError(ValueError):
    """Audio that cannot be classified; the message is meant for the person who gave it."""


@dataclass
class Clip:
    """A decoded recording: mono at the model's rate, and what the file held."""

    wave: torch.Tensor  # (1, samples) float32, mono, at the bundle's sample rate
    file_rate: int
    channels: int
    seconds: float  # the file's whole duration
    capped: bool  # only the first `max_seconds` were read


def read_clip(path: str | os.PathLike | None, sample_rate: int, max_seconds: float | None = None) -> Clip:
    """Decode `path` as the model's input; raises `AudioInputError` naming why it cannot be used."""
    if path is None:
        raise AudioInputError("No audio given: upload a file or record from the microphone.")
    path = Path(path)
    if not path.is_file():
        raise AudioInputError(f"`{path.name}` does not exist or is not a file.")
    if path.stat().st_size == 0:
        raise AudioInputError(f"`{path.name}` is empty (0 bytes): give an audio file that has sound in it.")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as error:
        formats = ", ".join(sorted(sf.available_formats()))
        raise AudioInputError(f"`{path.name}` could not be read as audio ({_reason(error)}). "
                              f"Give a file in one of these formats: {formats}.") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise AudioInputError(f"`{path.name}` holds no audio samples.")
    duration = info.frames / info.samplerate
    if duration < MIN_SECONDS:
        raise AudioInputError(f"`{path.name}` is {duration * 1000:.0f} ms long: give at least "
                              f"{MIN_SECONDS * 1000:.0f} ms of audio.")
    capped = max_seconds is not None and duration > max_seconds
    frames = int(max_seconds * info.samplerate) if capped else -1
    try:
        wave = load_audio(str(path), sample_rate, frames=frames)
    except (sf.LibsndfileError, RuntimeError) as error:
        raise AudioInputError(f"`{path.name}` could not be decoded ({_reason(error)}).") from None
    if not torch.isfinite(wave).all():
        raise AudioInputError(f"`{path.name}` contains NaN or infinite samples: it is not valid audio.")
    peak = float(wave.abs().max())
    if peak < SILENCE_PEAK:
        level = "-inf" if peak == 0 else f"{20 * math.log10(peak):.0f}"
        raise AudioInputError(f"`{path.name}` is silent (peak level {level} dBFS): there is nothing to classify.")
    return Clip(wave, int(info.samplerate), int(info.channels), duration, capped)


def window_frames(extractor, window_seconds: float, sample_rate: int) -> int:
    """Feature frames the extractor makes of exactly one training clip (STFT framing adds one or so)."""
    samples = max(1, round(window_seconds * sample_rate))
    return int(extractor(torch.zeros(1, samples)).shape[-1])


def windows(features: torch.Tensor, window: int, hop_fraction: float = HOP_FRACTION) -> list[torch.Tensor]:
    """`features` (dim, frames) cut into windows of `window` frames; one whole window when not longer.

    Windows overlap by `1 - hop_fraction`, and the tail gets a window of its own.
    """
    length = features.shape[-1]
    if length <= window:
        return [features]
    hop = max(1, int(window * hop_fraction))
    starts = list(range(0, length - window + 1, hop))
    if starts[-1] + window < length:
        starts.append(length - window)
    return [features[:, s:s + window] for s in starts]


def pad_windows(items: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """(batch, dim, longest) zero-padded on the right, and each item's length (the models mask padding)."""
    lengths = torch.tensor([x.shape[-1] for x in items], dtype=torch.long)
    batch = items[0].new_zeros((len(items), items[0].shape[0], int(lengths.max())))
    for i, x in enumerate(items):
        batch[i, :, :x.shape[-1]] = x
    return batch, lengths


def probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Class probabilities of each row of logits (softmax in float32): what every consumer reports."""
    return logits.float().softmax(-1)


@torch.no_grad()
def clip_probabilities(model: torch.nn.Module, features: torch.Tensor, window: int) -> tuple[torch.Tensor, int]:
    """Mean class probabilities over the windows of one clip's features, and the number of windows."""
    parts = windows(features, window)
    batch, lengths = pad_windows(parts)
    device = next(model.parameters()).device
    return probabilities(model(batch.to(device), lengths.to(device))).mean(0).cpu(), len(parts)


def _reason(error: Exception) -> str:
    # libsndfile's messages start with the path, which the user already sees: keep the reason.
    text = str(error)
    return (text.split(": ", 1)[-1] if ": " in text else text).strip().rstrip(".")
