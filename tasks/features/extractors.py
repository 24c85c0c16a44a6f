"""Feature extractors: callables `(1, T) waveform -> (features, frames)` tensor, plus their settings.

`Extractor` is the interface `extract_features`, the DataLoaders, the model bundle and the demo need;
subclass it to write your own (docs/extending.md, "Writing your own extractor"). Each extractor's `settings()`
(class name, constructor arguments and a format version) is what the feature store is keyed on, with
the digest of the extractor's code, so two experiments configured alike share features and an edited
extractor gets new ones. Transforms are built lazily and never pickled: DataLoader and Dask workers
and the runner's state only carry the settings. Torch models run in batches: `model_extractors`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

_FORMAT_VERSION = 1  # bump when an extractor's output changes for the same settings


class Extractor:
    """The base of every feature extractor: what the pipeline asks of one.

    A subclass sets, in `__init__`, one public attribute per constructor argument (they are its
    `settings()`, the feature store's key and what the model bundle rebuilds it from), and gives:

    - `sample_rate`: the rate audio is resampled to (mono) before `__call__`;
    - `frame_rate`: feature frames per second (for crops and window lengths);
    - `__call__(waveform)`: a (1, T) float tensor at `sample_rate` -> a (dim, frames) tensor, `dim`
      the same for every clip.

    Attributes whose name starts with `_` (a lazily built transform, a loaded model) are neither
    settings nor pickled. Optional, for models run in batches (`ModuleExtractor` gives both):
    `batch_size: int` and `extract_batch(waves: list[Tensor]) -> list[Tensor]`, each wave (1, T)
    and each result (dim, frames); extraction then runs in one process, on the GPU when there is one.

    Example:
        >>> class Energy(Extractor):
        ...     def __init__(self, sample_rate: int = 16000, hop_length: int = 160):
        ...         self.sample_rate, self.hop_length = sample_rate, hop_length
        ...     @property
        ...     def frame_rate(self) -> float:
        ...         return self.sample_rate / self.hop_length
        ...     def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        ...         frames = waveform[0, : waveform.shape[-1] // self.hop_length * self.hop_length]
        ...         return frames.reshape(-1, self.hop_length).pow(2).mean(-1, keepdim=True).T
        >>> Energy()(torch.ones(1, 16000)).shape
        torch.Size([1, 100])
        >>> Energy().settings()
        {'extractor': 'Energy', 'format': 1, 'sample_rate': 16000, 'hop_length': 160}
    """

    sample_rate: int
    if TYPE_CHECKING:  # an attribute, or a property as the extractors here make it
        @property
        def frame_rate(self) -> float: ...  # feature frames per second

    def settings(self) -> dict[str, Any]:
        """Class name, format version and every public attribute: the store's key, the bundle's bindings."""
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
        raise NotImplementedError(f"{type(self).__name__} must define __call__(waveform) -> (dim, frames)")


class LogMel(Extractor):
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


class MFCC(Extractor):
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


class Fbank(Extractor):
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


class RawWaveform(Extractor):
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
