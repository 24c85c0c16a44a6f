"""`MLP`: a multilayer perceptron on features pooled over time (mean and standard deviation)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .lightning_module import AudioClassifier
from .masking import masked_mean_std


class MLP(AudioClassifier):
    """Pools each feature's mean and std over real frames, then `hidden_sizes` ReLU layers.

    Args:
        num_classes: given by `fit_model`.
        input_dim: number of feature bins (given by `fit_model`).
        hidden_sizes: width of each hidden layer.
        dropout: after each hidden layer.

    Example (gin):
        fit_model.model = @MLP
        MLP.hidden_sizes = [256, 128]
    """

    def __init__(self, num_classes: int, input_dim: int, hidden_sizes: Sequence[int] = (256, 256),
                 dropout: float = 0.2, optimizer=None, lr_scheduler=None, scheduler_interval: str = "epoch",
                 loss_fn=None, metrics=None):
        super().__init__(num_classes, input_dim, optimizer, lr_scheduler, scheduler_interval, loss_fn, metrics)
        layers: list[nn.Module] = [nn.BatchNorm1d(2 * input_dim)]
        size = 2 * input_dim
        for hidden in hidden_sizes:
            layers += [nn.Linear(size, hidden), nn.ReLU(), nn.Dropout(dropout)]
            size = hidden
        layers.append(nn.Linear(size, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.net(masked_mean_std(x, lengths))
