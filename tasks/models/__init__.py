"""Classifiers as LightningModules: `Resnet` (spectrograms), `CNN1D` (waveforms), `MLP` (pooled).

`AudioClassifier` (tasks/models/lightning_module.py) is the public base class of a model of your
own: docs/extending.md, "Writing your own model". It is imported lazily (`from tasks.models import AudioClassifier`),
so that importing a submodule such as `tasks.models.masking` does not import Lightning.
"""
import importlib

__all__ = ["AudioClassifier", "masked_mean", "masked_mean_std", "time_mask", "conv_output_lengths"]
_HOMES = {"AudioClassifier": "lightning_module", "masked_mean": "masking", "masked_mean_std": "masking",
          "time_mask": "masking", "conv_output_lengths": "masking"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
