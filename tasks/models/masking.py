"""Length bookkeeping so padded frames never reach a prediction.

Models zero the padded frames after every layer that could spread them (normalisation, convolution),
track how each strided layer shortens every item, and pool over real frames only. In eval mode a
padded item therefore gives exactly the logits it gives alone.
"""
from __future__ import annotations

import torch


def time_mask(lengths: torch.Tensor, frames: int) -> torch.Tensor:
    """(batch, frames) bool mask, True on real frames."""
    return torch.arange(frames, device=lengths.device)[None, :] < lengths[:, None]


def conv_output_lengths(lengths: torch.Tensor, kernel: int, stride: int, padding: int) -> torch.Tensor:
    """Lengths after a convolution along time (PyTorch's output-size formula)."""
    return torch.div(lengths + 2 * padding - kernel, stride, rounding_mode="floor") + 1


def masked_mean(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean over the last axis, counting only the first `lengths[i]` frames of item i.

    Example:
        >>> masked_mean(torch.tensor([[[1.0, 3.0, 100.0]]]), torch.tensor([2])).item()
        2.0
    """
    mask = time_mask(lengths, x.shape[-1]).to(x.dtype)
    mask = mask.view(mask.shape[0], *([1] * (x.dim() - 2)), mask.shape[1])
    return (x * mask).sum(-1) / mask.sum(-1).clamp(min=1)


def masked_mean_std(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Concatenated mean and standard deviation over real frames: (batch, 2 * dim) from (batch, dim, T)."""
    mean = masked_mean(x, lengths)
    var = masked_mean((x - mean[..., None]) ** 2, lengths)
    return torch.cat([mean, var.clamp(min=1e-8).sqrt()], dim=-1)
