"""`Resnet`: a 2D residual CNN over (feature, time) spectrograms, depth set by `n_layers`."""
from __future__ import annotations

import torch
from torch import nn

from .lightning_module import AudioClassifier
from .masking import conv_output_lengths, masked_mean, time_mask


def _apply_mask(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    return x * time_mask(lengths, x.shape[-1])[:, None, None, :].to(x.dtype)


class _ResidualBlock(nn.Module):
    """Two 3x3 convolutions plus a shortcut (1x1 when the shape changes): 2 weight layers."""

    def __init__(self, channels_in: int, channels_out: int, stride: int):
        super().__init__()
        self.stride = stride
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(channels_out))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out_lengths = conv_output_lengths(lengths, 3, self.stride, 1)
        h = _apply_mask(torch.relu(self.bn1(self.conv1(x))), out_lengths)
        h = self.bn2(self.conv2(h)) + self.shortcut(x)
        return _apply_mask(torch.relu(h), out_lengths), out_lengths


class Resnet(AudioClassifier):
    """Residual CNN on (batch, features, frames) inputs, ResNet-style depth counting.

    `n_layers` counts weight layers: the stem convolution, two per residual block and the
    classifier, so `n_layers = 20` has 9 blocks (3 stages of 3, as ResNet-20). Blocks are spread
    over `n_stages` stages that halve the resolution and double the width.

    Args:
        num_classes: given by `fit_model`.
        input_dim: number of feature bins (given by `fit_model`).
        n_layers: even number >= 4.
        width: channels of the first stage.
        n_stages: number of stages (fewer when there are fewer blocks).
        dropout: before the classifier.
        **kwargs: optimizer, lr_scheduler, loss_fn, metrics... (see `AudioClassifier`).

    Example (gin):
        fit_model.model = @Resnet
        Resnet.n_layers = 20
    """

    def __init__(self, num_classes: int, input_dim: int, n_layers: int = 10, width: int = 16,
                 n_stages: int = 3, dropout: float = 0.1, optimizer=None, lr_scheduler=None,
                 scheduler_interval: str = "epoch", loss_fn=None, metrics=None):
        if n_layers < 4 or n_layers % 2:
            raise ValueError(f"Resnet.n_layers must be even and at least 4 (stem + 2 per residual"
                             f" block + classifier), got {n_layers}.")
        super().__init__(num_classes, input_dim, optimizer, lr_scheduler, scheduler_interval, loss_fn, metrics)
        n_blocks = (n_layers - 2) // 2
        n_stages = min(n_stages, n_blocks)
        per_stage = [n_blocks // n_stages + (s < n_blocks % n_stages) for s in range(n_stages)]
        self.input_norm = nn.BatchNorm1d(input_dim)
        # Stride 2 in the stem: a quarter of the compute, and spectrogram detail is not lost.
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        blocks, channels = [], width
        for stage, count in enumerate(per_stage):
            out = width * 2 ** stage
            for b in range(count):
                blocks.append(_ResidualBlock(channels, out, 2 if stage > 0 and b == 0 else 1))
                channels = out
        self.blocks = nn.ModuleList(blocks)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.input_norm(x) * time_mask(lengths, x.shape[-1])[:, None, :].to(x.dtype)
        h = self.stem(x[:, None])  # (B, C, F, T)
        lengths = conv_output_lengths(lengths, 3, 2, 1)
        h = _apply_mask(h, lengths)
        for block in self.blocks:
            h, lengths = block(h, lengths)
        pooled = masked_mean(h.mean(dim=2), lengths)  # frequency mean, then masked time mean
        return self.classifier(self.dropout(pooled))
