"""Dynamic padding: a batch is as long as its longest item, and carries every item's length."""
from __future__ import annotations

from typing import Sequence

import torch


def pad_collate(items: Sequence[tuple[torch.Tensor, int]]) -> dict[str, torch.Tensor]:
    """Stack `(features (dim, frames), target)` items, zero-padding frames on the right.

    Returns:
        `{"x": (batch, dim, max_frames), "lengths": (batch,), "y": (batch,)}`; models use `lengths`
        to mask padding out of their pooling.

    Example:
        >>> batch = pad_collate([(torch.ones(2, 3), 0), (torch.ones(2, 5), 1)])
        >>> batch["x"].shape, batch["lengths"].tolist()
        (torch.Size([2, 2, 5]), [3, 5])
    """
    lengths = torch.tensor([x.shape[-1] for x, _ in items], dtype=torch.long)
    first = items[0][0]
    x = first.new_zeros((len(items), first.shape[0], int(lengths.max())))
    for i, (features, _) in enumerate(items):
        x[i, :, :features.shape[-1]] = features
    y = torch.tensor([target for _, target in items], dtype=torch.long)
    return {"x": x, "lengths": lengths, "y": y}
