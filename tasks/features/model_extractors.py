"""Extractors that are torch models, run in batches: a base class, and wav2vec 2.0 / HuBERT / WavLM layers.

Nothing is downloaded: weights come from a checkpoint file the user names, or are random (seeded,
so every process that builds the model gets the same ones, and their features agree). The model is
built on first use in the process that extracts, on the GPU when there is one.
"""
from __future__ import annotations

import importlib
from typing import Any, Sequence

import torch
from loguru import logger

from .checkpoints import checkpoint_digest, existing_checkpoint, load_weights
from .extractors import Extractor

_NOT_SETTINGS = ("batch_size", "device")  # how features are computed, not which: no new store for them


class ModuleExtractor(Extractor):
    """An extractor that runs a torch module on batches of waves.

    Subclasses set `checkpoint`, `seed`, `batch_size`, `device` (and their own settings) in
    `__init__` and define `build_module()` (the model, weights not loaded) and
    `run_module(module, batch)`: a (B, T) batch of equal-length waves -> a (B, dim, frames) tensor.
    Clips of equal length share a forward pass; clips of other lengths run apart, since padding
    would change what normalising layers compute (wav2vec 2.0's group norm spans the whole clip).

    Example (gin):
        extract_features.extractor = @Wav2Vec2Features()
        Wav2Vec2Features.checkpoint = '/models/wav2vec2_base.pt'
    """

    checkpoint: str | None = None
    seed: int = 0
    batch_size: int = 8
    device: str = "auto"

    def build_module(self) -> torch.nn.Module:
        raise NotImplementedError(f"{type(self).__name__} must define build_module()")

    def run_module(self, module: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define run_module(module, batch)")

    def describe(self) -> str:
        """How messages name this extractor (its class; a subclass may add the model it builds)."""
        return type(self).__name__

    def settings(self) -> dict[str, Any]:
        settings = {k: v for k, v in super().settings().items() if k not in _NOT_SETTINGS}
        if self.checkpoint is not None:  # the same path with other weights must not reuse features
            settings["checkpoint_digest"] = checkpoint_digest(existing_checkpoint(self.checkpoint, self.describe()))
        return settings

    @property
    def module(self) -> torch.nn.Module:
        """The model, built, loaded and moved to its device on first use in this process."""
        if getattr(self, "_module", None) is None:
            with torch.random.fork_rng(devices=[]):  # seeded weights, without touching the caller's RNG
                torch.manual_seed(self.seed)
                module = self.build_module()
            if self.checkpoint is None:
                logger.warning(f"{self.describe()}: no checkpoint, random weights (seed {self.seed}); set"
                               f" {type(self).__name__}.checkpoint to a file of trained weights.")
            else:
                load_weights(module, self.checkpoint, self.describe())
            self._device = torch.device(self.device if self.device != "auto"
                                        else "cuda" if torch.cuda.is_available() else "cpu")
            self._module = module.eval().to(self._device)
        return self._module

    def extract_batch(self, waves: list[torch.Tensor]) -> list[torch.Tensor]:
        """(dim, frames) features of each (1, T) wave, in order, on the CPU."""
        module = self.module
        results: list[torch.Tensor | None] = [None] * len(waves)
        by_length: dict[int, list[int]] = {}
        for i, wave in enumerate(waves):
            by_length.setdefault(int(wave.shape[-1]), []).append(i)
        with torch.inference_mode():
            for indices in by_length.values():
                for start in range(0, len(indices), max(1, self.batch_size)):
                    chunk = indices[start:start + max(1, self.batch_size)]
                    batch = torch.cat([waves[i].reshape(1, -1) for i in chunk]).to(self._device, torch.float32)
                    for i, features in zip(chunk, self.run_module(module, batch)):
                        results[i] = features.float().cpu()
        return results  # type: ignore[return-value]

    def __call__(self, waveform: torch.Tensor) -> torch.Tensor:
        return self.extract_batch([waveform])[0]


class Wav2Vec2Features(ModuleExtractor):
    """Hidden states of a wav2vec 2.0 / HuBERT / WavLM model (torchaudio), shape (dim, frames).

    Args:
        model: a `torchaudio.models` factory: `wav2vec2_base`, `wav2vec2_large`, `hubert_base`,
            `wavlm_base`, ... or `wav2vec2_model` with the whole architecture in `model_options`.
        model_options: keyword arguments of that factory.
        checkpoint: a file of weights for that model (`torch.save(model.state_dict(), path)`, or a
            Lightning/fairseq checkpoint holding one); None: random weights (seeded), for tests.
        layers: transformer layers to take, counted from 1; negative counts from the last (-1).
        combine: `'concat'` stacks the layers' features (dim x len(layers)); `'mean'` averages them.
        batch_size: clips per forward pass.
        device: `'auto'` (the GPU when there is one), `'cpu'`, `'cuda:1'`, ...
        seed: seeds random weights (no checkpoint).
        sample_rate: the rate the model was trained at.

    Example (gin):
        extract_features.extractor = @Wav2Vec2Features()
        Wav2Vec2Features.checkpoint = '/models/wav2vec2_base_ls960.pt'
        Wav2Vec2Features.layers = [6, 12]
    """

    def __init__(self, model: str = "wav2vec2_base", model_options: dict | None = None,
                 checkpoint: str | None = None, layers: Sequence[int] = (-1,), combine: str = "concat",
                 batch_size: int = 8, device: str = "auto", seed: int = 0, sample_rate: int = 16000):
        if combine not in ("concat", "mean"):
            raise ValueError(f"Wav2Vec2Features.combine must be 'concat' or 'mean', got {combine!r}.")
        if not layers:
            raise ValueError("Wav2Vec2Features.layers is empty: give e.g. [-1] (the last layer) or [6, 12].")
        self.model, self.model_options, self.checkpoint = model, dict(model_options or {}), checkpoint
        self.layers, self.combine = [int(n) for n in layers], combine
        self.batch_size, self.device, self.seed, self.sample_rate = batch_size, device, seed, sample_rate

    def describe(self) -> str:
        return f"Wav2Vec2Features(model={self.model!r})"

    @property
    def _conv_layers(self) -> list[tuple[int, int, int]]:
        """(channels, kernel, stride) of the convolutional front end (torchaudio's default unless given)."""
        return list(self.model_options.get("extractor_conv_layer_config") or
                    [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2)

    @property
    def frame_rate(self) -> float:
        stride = 1
        for _, _, s in self._conv_layers:
            stride *= s
        return self.sample_rate / stride

    @property
    def min_samples(self) -> int:
        """The receptive field of one frame: shorter clips are zero-padded to it (one frame)."""
        field, jump = 1, 1
        for _, kernel, stride in self._conv_layers:
            field, jump = field + (kernel - 1) * jump, jump * stride
        return field

    def build_module(self) -> torch.nn.Module:
        models = importlib.import_module("torchaudio.models")
        factory = getattr(models, self.model, None)
        if not callable(factory) or not self.model.startswith(("wav2vec2", "hubert", "wavlm")):
            known = sorted(n for n in dir(models) if n.startswith(("wav2vec2", "hubert", "wavlm"))
                           and "pretrain" not in n)
            raise ValueError(f"Wav2Vec2Features.model = {self.model!r} is no torchaudio.models factory of a"
                             f" wav2vec 2.0 family model; choose one of {known}.")
        return factory(**self.model_options)

    def run_module(self, module: Any, batch: torch.Tensor) -> torch.Tensor:
        if batch.shape[-1] < self.min_samples:
            batch = torch.nn.functional.pad(batch, (0, self.min_samples - batch.shape[-1]))
        count = len(module.encoder.transformer.layers)
        wanted = [n if n > 0 else count + 1 + n for n in self.layers]
        if any(not 1 <= n <= count for n in wanted):
            raise ValueError(f"Wav2Vec2Features.layers = {self.layers}: {self.model} has {count} transformer"
                             f" layers; give numbers in 1..{count}, or -1 for the last.")
        outputs, _ = module.extract_features(batch, num_layers=max(wanted))  # later layers are not run
        chosen = [outputs[n - 1] for n in wanted]  # each (B, frames, dim)
        stacked = torch.cat(chosen, dim=-1) if self.combine == "concat" else torch.stack(chosen).mean(0)
        return stacked.transpose(1, 2)
