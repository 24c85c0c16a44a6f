"""Classifiers as LightningModules: `Resnet` (spectrograms), `CNN1D` (waveforms), `MLP` (pooled)."""
