"""`AtomicCheckpointIO`: Lightning checkpoints that are never seen half-written.

Lightning's default `TorchCheckpointIO` writes through an fsspec transaction that stages the file in
the system temporary folder, then moves it into place. When that folder is on another file system
than the checkpoints (a tmpfs /tmp, a container's scratch), the move is a copy into the destination,
and a run killed during it leaves a truncated `last.ckpt` that the next resume tries to load.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch
from fsspec.implementations.local import LocalFileSystem
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.fabric.utilities.cloud_io import get_filesystem

from ginpipe.io import atomic_write

__all__ = ["AtomicCheckpointIO", "use_atomic_checkpoints"]


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each local checkpoint to a temporary file, fsyncs it, then renames it into place.

    Args:
        tmp_dir: where the temporary file lives (same file system as the checkpoints); default the
            checkpoint's own folder, under a hidden `.partial` name that Lightning never lists.

    Example:
        >>> trainer.strategy.checkpoint_io = AtomicCheckpointIO("experiment/.tmp")  # doctest: +SKIP
    """

    def __init__(self, tmp_dir: str | os.PathLike | None = None):
        self.tmp_dir = tmp_dir

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | os.PathLike,
                        storage_options: Any | None = None) -> None:
        if not isinstance(get_filesystem(os.fspath(path)), LocalFileSystem):
            return super().save_checkpoint(checkpoint, os.fspath(path), storage_options)  # s3:// and the like
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options.")
        buffer = io.BytesIO()  # serialise first: a failing torch.save leaves no file at all
        torch.save(checkpoint, buffer)
        atomic_write(Path(path), lambda f: f.write(buffer.getbuffer()), self.tmp_dir)


def use_atomic_checkpoints(trainer, tmp_dir: str | os.PathLike | None = None) -> None:
    """Give `trainer` an `AtomicCheckpointIO`, unless it was configured with a CheckpointIO of its own."""
    strategy = trainer.strategy
    if type(strategy.checkpoint_io) is TorchCheckpointIO:
        strategy.checkpoint_io = AtomicCheckpointIO(tmp_dir)
