"""The `make_labels` task: a class map from a metadata column, and an integer target per row."""
from __future__ import annotations

from typing import MutableMapping, Sequence

import numpy as np
import pandas as pd
from loguru import logger

from ginpipe.io import declares_metrics


@declares_metrics()  # no metric: a study cannot be judged by it
def make_labels(state: MutableMapping, column: str = "label", classes: Sequence[str] | None = None,
                target_column: str = "target", key_in: str = "dataset_metadata",
                key_out: str = "dataset_metadata", class_map_key: str = "class_map") -> MutableMapping:
    """Map each label to an integer; `fit_model` gives models `num_classes = len(class_map)`.

    Args:
        state: pipeline state.
        column: metadata column holding the labels.
        classes: fixed class order (e.g. to keep indices stable across datasets); rows with other
            labels raise. Default: the sorted unique labels.
        target_column: integer column written into the metadata.
        key_in: state key of the metadata to read.
        key_out: state key of the metadata written back.
        class_map_key: state key of the `{label: index}` dict.

    Example (gin):
        make_labels.column = 'category'
    """
    metadata = state[key_in].copy(deep=False)  # copy-on-write: columns are shared until changed
    labels = metadata[column].astype(str)
    # Rows are factorized (Arrow strings, no Python object per row), then the few distinct labels
    # looked up: an Index lookup of the rows themselves would build 10M Python strings.
    row_codes, uniques = pd.factorize(labels)
    names = sorted(uniques) if classes is None else [str(c) for c in classes]
    if len(names) < 2:  # a classifier of one class learns nothing; fit would only find out later
        found = f"only {names[0]!r}" if names else "none"
        raise ValueError(f"make_labels: the dataset has {found} in column {column!r} ({len(metadata)} rows):"
                         " a classifier needs at least 2 classes. Check the dataset (one folder per class)"
                         " and its filters, or make_labels.column.")
    class_map = {name: index for index, name in enumerate(names)}
    positions = pd.Index(names).get_indexer(uniques)  # -1 where absent
    if (positions < 0).any():
        unknown = sorted(uniques[positions < 0])[:10]
        raise ValueError(f"make_labels.classes has no entry for labels {unknown}; its classes are {names}.")
    codes = positions[row_codes]
    metadata[target_column] = codes.astype(np.int64)
    logger.info(f"{len(class_map)} classes: {names if len(names) <= 20 else names[:20] + ['...']}")
    state[key_out] = metadata
    state[class_map_key] = class_map
    return state
