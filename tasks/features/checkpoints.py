"""Weights from a checkpoint file the user names, loaded into a model only when they fit it exactly.

`load_state_dict(strict=False)` would run a half-initialised model without a word, and torch's own
strict error is a wall of key names; this says which file, how many keys are missing or extra, which
shapes differ, and what to check. Files are read with `weights_only=True`: a checkpoint cannot run
code. The digest of a checkpoint is part of a model extractor's settings, so features computed with
other weights are never reused.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Mapping

import torch

_WRAPPERS = ("state_dict", "model", "model_state_dict")  # Lightning, fairseq and hand-written checkpoints
_PREFIXES = ("", "module.", "model.")  # DDP and LightningModule attribute names
_DIGESTS: dict[tuple[str, int, int, int], str] = {}


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights do not fit the model it was given to."""


def checkpoint_digest(path: str | os.PathLike) -> str:
    """A digest of the file's bytes, computed once per (path, inode, size, mtime) in a process."""
    file = Path(path).expanduser()
    stat = file.stat()
    key = (str(file.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.blake2b(digest_size=16)
        with open(file, "rb") as f:
            while chunk := f.read(1 << 22):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def existing_checkpoint(path: str | os.PathLike, owner: str) -> Path:
    """The checkpoint's path, or a FileNotFoundError saying what to set."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"Checkpoint {file} does not exist: set {owner}'s checkpoint to a file saved"
                                " with torch.save(model.state_dict(), path), or to None for random weights.")
    return file


def load_weights(module: torch.nn.Module, path: str | os.PathLike, owner: str) -> None:
    """Load the checkpoint at `path` into `module`, or raise naming the file and every mismatch.

    Args:
        module: the freshly built model.
        path: a `torch.save(model.state_dict(), path)` file, or a dict holding one under
            `state_dict`/`model` (Lightning, fairseq); keys may carry a `module.` or `model.` prefix.
        owner: how the user configured it (e.g. `Wav2Vec2Features(model='wav2vec2_base')`), for messages.

    Example:
        >>> load_weights(torchaudio.models.wav2vec2_base(), "w2v.pt", "Wav2Vec2Features")  # doctest: +SKIP
    """
    file = existing_checkpoint(path, owner)
    try:
        loaded = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise CheckpointMismatchError(f"Checkpoint {file} cannot be read as torch weights ({type(e).__name__}:"
                                      f" {first[:200]}); {owner} expects a file saved with"
                                      " torch.save(model.state_dict(), path).") from None
    expected = module.state_dict()
    weights = _fitting_keys(_unwrap(loaded), expected)
    missing = [k for k in expected if k not in weights]
    extra = [k for k in weights if k not in expected]
    shapes = [f"{k}: checkpoint {tuple(weights[k].shape)}, model {tuple(v.shape)}"
              for k, v in expected.items() if k in weights and tuple(weights[k].shape) != tuple(v.shape)]
    if missing or extra or shapes:
        problems = ([f"{len(missing)} of the model's {len(expected)} weights {_are(missing)} missing from it"
                     f" ({_some(missing)})"] * bool(missing)
                    + [f"{len(extra)} weight{'s' * (len(extra) != 1)} the model lacks ({_some(extra)})"] * bool(extra)
                    + [f"{len(shapes)} shape{'s' * (len(shapes) != 1)} {'differ' if len(shapes) != 1 else 'differs'}"
                       f" ({_some(shapes)})"] * bool(shapes))
        raise CheckpointMismatchError(f"Checkpoint {file} does not fit {owner}: {'; '.join(problems)}. It holds"
                                      " another architecture's weights: check the model and its options, or"
                                      " the file.")
    module.load_state_dict(weights)


def _unwrap(loaded: Any) -> Mapping[str, Any]:
    if isinstance(loaded, Mapping):
        for name in _WRAPPERS:
            if isinstance(loaded.get(name), Mapping):
                return loaded[name]
        return loaded
    return {}


def _fitting_keys(weights: Mapping[str, Any], expected: Mapping[str, Any]) -> dict[str, Any]:
    """The weights, without the prefix (if any) that makes their keys the model's."""
    tensors = {k: v for k, v in weights.items() if isinstance(v, torch.Tensor)}
    for prefix in _PREFIXES[1:]:
        stripped = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        if stripped.keys() == expected.keys():
            return stripped
    return tensors


def _are(items: list) -> str:
    return "is" if len(items) == 1 else "are"


def _some(items: list[str], shown: int = 3) -> str:
    return ", ".join(items[:shown]) + (", ..." if len(items) > shown else "")
