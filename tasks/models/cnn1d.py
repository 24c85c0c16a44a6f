"""`CNN1D`: strided 1D convolutions on raw waveforms (use with `RawWaveform` features)."""
from __future__ import annotations

import typing

import torch
from torch import nn

from .lightning_module import AudioClassifier
from .masking import conv_output_lengths, masked_mean, time_mask


class CNN1D(AudioClassifier):
    """Waveform classifier: a wide strided first convolution, then stride-2 convolutions.

    `n_layers` counts weight layers (convolutions plus the classifier). Channels double every other
    layer, up to `max_width`.

    Args:
        num_classes: given by `fit_model`.
        input_dim: input channels (1 for mono waveforms; given by `fit_model`).
        n_layers: >= 2.
        width: channels of the first convolution.
        first_kernel: kernel of the first convolution (80 samples = 5 ms at 16 kHz).
        first_stride: its stride.
        kernel_size: kernel of the other convolutions.
        max_width: cap on channels.
        dropout: before the classifier.

    Example (gin):
        fit_model.model = @CNN1D
        CNN1D.n_layers = 6
    """

    def __init__(self, num_classes: int, input_dim: int = 1, n_layers: int = 6, width: int = 32,
                 first_kernel: int = 80, first_stride: int = 4, kernel_size: int = 3,
                 max_width: int = 256, dropout: float = 0.1, optimizer=None, lr_scheduler=None,
                 scheduler_interval: str = "epoch", loss_fn=None, metrics=None):
        if n_layers < 2:
            raise ValueError(f"CNN1D.n_layers must be at least 2 (a convolution and the classifier), got {n_layers}.")
        super().__init__(num_classes, input_dim, optimizer, lr_scheduler, scheduler_interval, loss_fn, metrics)
        self.specs = [(first_kernel, first_stride, first_kernel // 2)]
        self.specs += [(kernel_size, 2, kernel_size // 2)] * (n_layers - 2)
        layers, channels = [], input_dim
        for i, (kernel, stride, padding) in enumerate(self.specs):
            out = min(width * 2 ** (i // 2), max_width)
            layers.append(nn.ModuleList([nn.Conv1d(channels, out, kernel, stride, padding, bias=False),
                                         nn.BatchNorm1d(out)]))
            channels = out
        self.layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for layer, (kernel, stride, padding) in zip(self.layers, self.specs):
            conv, norm = typing.cast(nn.ModuleList, layer)
            lengths = conv_output_lengths(lengths, kernel, stride, padding)
            x = torch.relu(norm(conv(x)))
            x = x * time_mask(lengths, x.shape[-1])[:, None, :].to(x.dtype)
        return self.classifier(self.dropout(masked_mean(x, lengths)))
