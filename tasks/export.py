"""The `export_model` task: the model bundle `model/` that the demo (and any program) loads.

A task of its own, after `evaluate_model`: the bundle holds the best checkpoint's model, its feature
extractor and class map (see `tasks.bundle`), the test metrics for display and a few test clips.
Rank 0 only, like every file the project writes.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, MutableMapping

import pandas as pd
from loguru import logger

from ginpipe.io import declares_metrics, is_main_process


@declares_metrics()  # no metric: a study cannot be judged by it
def export_model(state: MutableMapping, split: str = "test", examples: int = 4,
                 checkpoint_key: str = "best_checkpoint", class_map_key: str = "class_map",
                 features_key: str = "features", metadata_key: str = "dataset_metadata",
                 metrics_key: str = "metrics", key_out: str = "model_bundle") -> MutableMapping:
    """Write `<experiment>/model/` from the best checkpoint; its path goes to `state[key_out]`.

    Args:
        state: pipeline state.
        split: the split the metrics and the example clips come from.
        examples: how many clips of `split` (of different classes) `model/examples/` gets.
        checkpoint_key, class_map_key, features_key, metadata_key, metrics_key: state keys read
            (`metrics_key` may be absent: the bundle then shows no metrics).
        key_out: state key of the bundle's folder.

    Example (gin):
        execute_pipeline.tasks += [@export_model]
    """
    from .bundle import constructor_bindings, short_bindings, write_model_bundle
    from .models.checkpoints import load_model_from_checkpoint

    if not is_main_process():
        logger.info("not rank 0: the model bundle is left to rank 0")
        return state
    folder = Path(state["output_dir"])
    model = load_model_from_checkpoint(state[checkpoint_key])
    class_map, extractor, metadata = state[class_map_key], state[features_key].extractor, state[metadata_key]
    metrics = state[metrics_key] if metrics_key in state else {}
    headline = {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}
    # Recordings longer than every clip of the dataset are classified in windows of that length; any
    # clip up to it is classified whole, as evaluation did (clip lengths may vary).
    window_seconds = float((metadata["frames"] / metadata["sample_rate"]).max())
    summary = {"experiment": folder.name, "project": folder.parent.name, "metrics": headline,
               "classes": sorted(class_map, key=class_map.get), "window_seconds": window_seconds,
               "bindings": short_bindings(constructor_bindings(model, extractor))}
    bundle = write_model_bundle(folder / "model", model, extractor, class_map, window_seconds, summary,
                                _example_clips(metadata, class_map, split, examples))
    logger.info(f"model bundle written to {bundle}")
    state[key_out] = str(bundle)
    return state


def _example_clips(metadata: pd.DataFrame, class_map: Mapping[str, int], split: str, n: int,
                   max_bytes: int = 2**20) -> dict[str, str]:
    """`{file name: path}` of up to `n` clips of `split`, one per class, each under `max_bytes`."""
    classes = sorted(class_map, key=lambda name: class_map[name])
    rows = metadata[metadata["split"].astype(str) == split] if "split" in metadata else metadata.iloc[:0]
    chosen: dict[str, str] = {}
    for row in rows.drop_duplicates("target").itertuples() if "target" in rows else ():
        path = Path(row.path)
        if len(chosen) < n and path.is_file() and path.stat().st_size <= max_bytes:
            name = re.sub(r"[^\w.-]", "_", classes[int(row.target)])  # class names are free text
            chosen[f"{name}{path.suffix}"] = str(path)
    return chosen
