"""Feature extractors: callables `(1, T) waveform -> (features, frames)` tensor, plus their settings.

Each extractor's `settings()` (class name, parameters and a format version) is what the feature
cache is keyed on, so two experiments configured alike share cached features. The torchaudio
transform itself is built lazily and never pickled: DataLoader workers and the runner's state only
carry the settings.
"""
from __future__ import annotations

from typing import Any

import torch

_FORMAT_VERSION = 1  # bump when an extractor's output changes for the same settings


class _Extractor:
    """Shared plumbing: settings from public attributes, lazy transform, cheap pickling."""

    sample_rate: int
    frame_rate: float  # feature frames per second

    def settings(self) -> dict[str, Any]:
        public = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return {"extractor": type(self).__name__, "format": _FORMAT_VERSION, **public}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.__getstate__().items())
        return f"{type(self).__name__}({args})"

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class LogMel(_Extractor):
    """Log mel spectrogram (torchaudio), shape (n_mels, frames).

    Example (gin):
        extract_features.extractor = @LogMel()
        LogMel.n_mels = 64
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160,
                 n_mels: int = 64, f_min: float = 0.0, f_max: float | None = None,
                 log_offset: float = 1e-6):
        self.sample_rate, self.n_fft, self.hop_length, self.n_mels = sample_rate, n_fft, hop_length, n_mels
        self.f_min, self.f_max, self.log_offset = f_min, f_max, log_offset

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop_length

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        if getattr(self, "_transform", None) is None:
            import torchaudio.transforms as T

            self._transform = T.MelSpectrogram(self.sample_rate, n_fft=self.n_fft, hop_length=self.hop_length,
                                               n_mels=self.n_mels, f_min=self.f_min, f_max=self.f_max)
        return torch.log(self._transform(waveform)[0] + self.log_offset)


class MFCC(_Extractor):
    """Mel-frequency cepstral coefficients (torchaudio), shape (n_mfcc, frames).

    Example (gin):
        extract_features.extractor = @MFCC()
    """

    def __init__(self, sample_rate: int = 16000, n_mfcc: int = 40, n_fft: int = 400,
                 hop_length: int = 160, n_mels: int = 64):
        self.sample_rate, self.n_mfcc, self.n_fft = sample_rate, n_mfcc, n_fft
        self.hop_length, self.n_mels = hop_length, n_mels

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop_length

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        if getattr(self, "_transform", None) is None:
            import torchaudio.transforms as T

            self._transform = T.MFCC(self.sample_rate, n_mfcc=self.n_mfcc, melkwargs={
                "n_fft": self.n_fft, "hop_length": self.hop_length, "n_mels": self.n_mels})
        return self._transform(waveform)[0]


class Fbank(_Extractor):
    """Kaldi-compatible log mel filterbank (`torchaudio.compliance.kaldi.fbank`), (bins, frames).

    Example (gin):
        extract_features.extractor = @Fbank()
    """

    def __init__(self, sample_rate: int = 16000, num_mel_bins: int = 64, frame_length: float = 25.0,
                 frame_shift: float = 10.0, dither: float = 0.0):
        self.sample_rate, self.num_mel_bins = sample_rate, num_mel_bins
        self.frame_length, self.frame_shift, self.dither = frame_length, frame_shift, dither

    @property
    def frame_rate(self) -> float:
        return 1000.0 / self.frame_shift

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        from torchaudio.compliance import kaldi

        # Kaldi works on 16-bit integer scale; dither 0 keeps the output deterministic.
        feats = kaldi.fbank(waveform * 32768, sample_frequency=self.sample_rate,
                            num_mel_bins=self.num_mel_bins, frame_length=self.frame_length,
                            frame_shift=self.frame_shift, dither=self.dither)
        return feats.T.contiguous()


class RawWaveform(_Extractor):
    """The waveform itself, shape (1, samples), for waveform models such as `CNN1D`.

    Example (gin):
        extract_features.extractor = @RawWaveform()
    """

    def __init__(self, sample_rate: int = 16000):
        self.sample_rate = sample_rate

    @property
    def frame_rate(self) -> float:
        return float(self.sample_rate)

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        return waveform.clone()
