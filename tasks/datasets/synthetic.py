"""The embedded default dataset: ten classes of synthetic sounds, generated on first use, no download.

Two recipes, chosen by `read_synthetic.difficulty`:

- `'hard'` (the default): sounds as a microphone records them, with reverberation, background
  scenes at 0-20 dB SNR, overlapping events, telephone and muffled channels, level changes,
  clipping, pitch and tempo variation and variable clip lengths; the classes come in five pairs
  that differ in one subtle cue (`synthetic_sources`, `synthetic_scene`). Modelling choices show
  in the results there.
- `'easy'`: the first recipe (`synthetic_easy`), on which the default ResNet-10 scored 0.996: for
  tests that need a sure signal of learning.

`imbalance` > 1 makes the class distribution long-tailed. Clips are generated deterministically
from `(seed, class, clip)` into a cache folder whose name hashes every generation setting and the
generator's code (`ginpipe.io.code_digest` of `generate_synthetic_dataset`: the recipes and every
helper they call), so a changed setting or recipe never reuses stale audio, and a second call only
lists the files. While `ginpipe reproduce` runs (`ginpipe.io.must_recompute`), the clips are generated again.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from ginpipe.io import atomic_write, code_digest, mark_cache, must_recompute, write_json

from .readers import read_folder
from .synthetic_easy import EASY_CLASSES, synthesize_easy_clip
from .synthetic_scene import record_clip
from .synthetic_sources import HARD_CLASSES

__all__ = ["DIFFICULTIES", "SYNTHETIC_CLASSES", "synthetic_classes", "synthesize_clip", "clip_counts",
           "generate_synthetic_dataset", "read_synthetic"]

# A recipe's version, in the cache folder's name beside the generator's code digest (which already
# changes with the code); bump it when a recipe's output changes through something code cannot show.
_VERSIONS = {"easy": 3, "hard": 2}
DIFFICULTIES = tuple(_VERSIONS)
_CLASSES = {"easy": EASY_CLASSES, "hard": HARD_CLASSES}
SYNTHETIC_CLASSES = HARD_CLASSES  # those of the default recipe
_COMPLETE = "_COMPLETE.json"


def _check_difficulty(difficulty: str) -> str:
    if difficulty not in _VERSIONS:
        raise ValueError(f"read_synthetic.difficulty must be one of {', '.join(map(repr, DIFFICULTIES))},"
                         f" got {difficulty!r}.")
    return difficulty


def synthetic_classes(difficulty: str = "hard") -> tuple[str, ...]:
    """The class names of a recipe, in generation order."""
    return _CLASSES[_check_difficulty(difficulty)]


def synthesize_clip(label: str, index: int, sample_rate: int = 16000, duration: float = 1.0,
                    seed: int = 0, difficulty: str = "hard") -> np.ndarray:
    """One deterministic clip of class `label`, float32 in [-1, 1].

    With the hard recipe the clip's length varies around `duration` (0.6-1.4 x); with the easy one
    it is exactly `duration`.

    Example:
        >>> clip = synthesize_clip("bell", 0)
        >>> clip.dtype, 9600 <= len(clip) <= 22400
        (dtype('float32'), True)
    """
    if _check_difficulty(difficulty) == "easy":
        return synthesize_easy_clip(label, index, sample_rate, duration, seed)
    if label not in HARD_CLASSES:
        raise ValueError(f"{label!r} is not a class of the hard recipe: {', '.join(HARD_CLASSES)}.")
    # A stream of its own per recipe, so the recipes never share draws.
    rng = np.random.default_rng([seed, HARD_CLASSES.index(label), index, _VERSIONS["hard"], 1])
    return record_clip(rng, label, sample_rate, duration)


def clip_counts(classes: tuple[str, ...], clips_per_class: int, imbalance: float = 1.0) -> dict[str, int]:
    """Clips of each class: all `clips_per_class`, or falling geometrically to `clips_per_class /
    imbalance` for the last class (a long tail; `imbalance` = most / least frequent).

    Example:
        >>> clip_counts(("a", "b", "c"), 100, imbalance=4.0)
        {'a': 100, 'b': 50, 'c': 25}
    """
    if imbalance < 1:
        raise ValueError(f"read_synthetic.imbalance is the ratio of the most to the least frequent class,"
                         f" at least 1 (1 = balanced), got {imbalance}.")
    steps = max(len(classes) - 1, 1)
    return {label: max(1, int(round(clips_per_class * imbalance ** (-k / steps))))
            for k, label in enumerate(classes)}


def _settings_folder(root: Path, settings: dict) -> Path:
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    return root / f"synthetic-{settings['difficulty']}-{digest}"


def generate_synthetic_dataset(root: str | Path = "data/generated/synthetic", clips_per_class: int = 160,
                               sample_rate: int = 16000, duration: float = 1.0, seed: int = 0,
                               n_jobs: int | None = None, difficulty: str = "hard",
                               imbalance: float = 1.0) -> Path:
    """Write the dataset as `<folder>/<label>/<label>_<i>.wav` once; return the folder.

    The folder name hashes the settings (recipe and its version included) and the generator's code.
    A `_COMPLETE.json` marker is written last, so an interrupted generation is redone rather than
    used half-written.
    """
    classes = synthetic_classes(difficulty)
    counts = clip_counts(classes, clips_per_class, imbalance)
    settings = dict(version=_VERSIONS[difficulty], difficulty=difficulty, clips_per_class=clips_per_class,
                    sample_rate=sample_rate, duration=duration, seed=seed,
                    code=code_digest(generate_synthetic_dataset))
    if imbalance != 1:  # absent when balanced, so balanced folders keep their names
        settings["imbalance"] = imbalance
    folder = _settings_folder(Path(root), settings)
    if (folder / _COMPLETE).is_file() and not must_recompute():
        mark_cache(folder, "generated dataset")  # also a folder generated before caches were marked
        return folder
    jobs = [(label, i) for label in classes for i in range(counts[label])]

    def write(job: tuple[str, int]) -> None:
        label, i = job
        path = folder / label / f"{label}_{i:04d}.wav"
        # Several processes (DDP ranks) may generate at once: write aside, then rename atomically.
        wave = synthesize_clip(label, i, sample_rate, duration, seed, difficulty)
        atomic_write(path, lambda f: sf.write(f, wave, sample_rate, subtype="PCM_16", format="WAV"), durable=False)

    # numpy's FFTs, scipy's filters and soundfile's writes release the GIL, so threads use every core.
    with ThreadPoolExecutor(n_jobs or os.cpu_count()) as pool:
        list(pool.map(write, jobs))
    write_json(folder / _COMPLETE, {**settings, "clips": counts}, durable=False)
    mark_cache(folder, "generated dataset")  # `ginpipe gc` removes it once no experiment reads it
    return folder


def read_synthetic(root: str | Path = "data/generated/synthetic", clips_per_class: int = 160,
                   sample_rate: int = 16000, duration: float = 1.0, seed: int = 0,
                   difficulty: str = "hard", imbalance: float = 1.0) -> pd.DataFrame:
    """Reader for `load_dataset`: the embedded synthetic dataset, generated on first use.

    Args:
        root: folder the generated datasets are cached in (one sub-folder per settings).
        clips_per_class: clips of each class (of the most frequent one when `imbalance` > 1).
        sample_rate: of the written files.
        duration: clip length in seconds; the hard recipe varies it per clip, 0.6-1.4 x.
        seed: generation seed (not the pipeline's seed: the audio stays the same across runs).
        difficulty: `'hard'` (realistic nuisances, confusable classes) or `'easy'` (the first,
            nearly separable recipe).
        imbalance: ratio of the most to the least frequent class; 1 is balanced, 10 a long tail.

    Example (gin):
        load_dataset.reader_fn = [@read_synthetic]
        read_synthetic.clips_per_class = 160
        read_synthetic.difficulty = 'easy'
    """
    folder = generate_synthetic_dataset(root, clips_per_class, sample_rate, duration, seed,
                                        difficulty=difficulty, imbalance=imbalance)
    frame = read_folder(folder, extensions=(".wav",))
    frame["dataset"] = "synthetic"
    return frame
