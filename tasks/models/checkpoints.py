"""Rebuild a trained model from its checkpoint file alone (for evaluation, and a later demo)."""
from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import torch

from ginpipe import TaskError


def load_model_from_checkpoint(path: str, map_location: str = "cpu") -> torch.nn.Module:
    """The model saved in `path`, in eval mode, built from the class recorded by `AudioClassifier`.

    Example:
        >>> model = load_model_from_checkpoint("experiments/audio/x/checkpoints/last.ckpt")  # doctest: +SKIP
    """
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError) as e:  # truncated or damaged
        if not Path(path).is_file():
            raise
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise TaskError(f"The checkpoint {path} cannot be read: {reason} (the file is truncated or damaged).",
                        hint="Train again from scratch: rerun the experiment's command with --from fit_model (a fit"
                             " whose checkpoints are damaged starts over and sets them aside).") from None
    class_path = checkpoint.get("model_class")
    if class_path is None:
        raise ValueError(f"{path} records no model class: it was not saved by an AudioClassifier.")
    module_name, _, name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), name)
    return cls.load_from_checkpoint(path, map_location=map_location).eval()
