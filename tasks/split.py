"""The `split_dataset` task and its strategies.

A strategy is a function `(metadata, seed) -> split name per row` (a numpy array of strings), so
`split_dataset` only assigns the column and logs sizes. Strategies are vectorised (numpy/pandas
group operations, no Python loop over rows) so a million-row table splits in about a second.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping, MutableMapping

import numpy as np
import pandas as pd
from loguru import logger

Strategy = Callable[..., np.ndarray]

DEFAULT_PROPORTIONS = {"train": 0.7, "validation": 0.15, "test": 0.15}


def _check_proportions(proportions: Mapping[str, float],
                       name: str = "split_random.proportions") -> tuple[list[str], np.ndarray]:
    names = list(proportions)
    weights = np.asarray([proportions[n] for n in names], dtype=float)
    if not names or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError(f"{name} must be non-negative numbers, got {dict(proportions)}.")
    if abs(weights.sum() - 1) > 1e-6:  # a typo (0.8 + 0.3 + 0.2) must not silently change every split
        raise ValueError(f"{name} sum to {weights.sum():g}, not 1: {dict(proportions)}."
                         " Make them add up to 1, e.g. {'train': 0.7, 'validation': 0.15, 'test': 0.15}.")
    return names, weights / weights.sum()


def _stratum_counts(weights: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(strata, splits): how many units of each stratum go to each split (the cut rule below)."""
    cuts = np.round(np.cumsum(weights)[None, :] * sizes[:, None])
    return np.diff(np.concatenate([np.zeros((len(sizes), 1)), cuts], axis=1), axis=1).astype(int)


def _check_strata(names: list[str], weights: np.ndarray, labels: pd.Index, sizes: np.ndarray,
                  column: str) -> None:
    """Every class reaches every split that has a share: else a split silently lacks a class."""
    counts = _stratum_counts(weights, sizes)
    empty = (counts == 0) & (weights > 0)[None, :]
    if not empty.any():
        return
    needed = next((n for n in range(1, 100_000)
                   if (_stratum_counts(weights, np.array([n]))[0][weights > 0] > 0).all()), None)
    short = np.flatnonzero(empty.any(axis=1))
    listed = "; ".join(f"{labels[s]!r} has {sizes[s]} ({', '.join(names[j] for j in np.flatnonzero(empty[s]))}"
                       " would get none)" for s in short[:5]) + ("; ..." if len(short) > 5 else "")
    proportions = {n: float(w) for n, w in zip(names, weights.round(6))}
    raise ValueError(
        f"Stratified split by `{column}`: too few rows for every split to get one: {listed}."
        f" With proportions {proportions} a class needs at least {needed or 'many more'} rows."
        f" Add rows, drop the class (e.g. load_dataset.filters = [\"{column} != {labels[short[0]]!r}\"]),"
        " change the proportions, or split without stratifying (split_random.stratify_by = None).")


def split_random(metadata: pd.DataFrame, seed: int = 0,
                 proportions: Mapping[str, float] = DEFAULT_PROPORTIONS,
                 stratify_by: str | None = "label", group_by: str | None = None) -> np.ndarray:
    """Random split with the given proportions, stratified by a column and/or grouped.

    With `group_by` (e.g. a speaker or source-recording column), all rows of a group land in the same
    split; proportions then count groups rather than rows, and groups are stratified by their most
    frequent `stratify_by` value.

    Example (gin):
        split_dataset.strategy = @split_random
        split_random.proportions = {'train': 0.8, 'validation': 0.1, 'test': 0.1}
        split_random.group_by = 'speaker'
    """
    names, weights = _check_proportions(proportions)
    rng = np.random.default_rng(seed)
    if group_by is None:
        units = pd.Series(np.arange(len(metadata)), index=metadata.index)
    else:
        units = pd.Series(pd.factorize(metadata[group_by])[0], index=metadata.index)
    n_units = int(units.max()) + 1 if len(units) else 0
    if stratify_by is None:
        strata = np.zeros(n_units, dtype=np.int64)
    elif group_by is None:
        strata, labels = pd.factorize(metadata[stratify_by])
        _check_strata(names, weights, labels, np.bincount(strata, minlength=len(labels)), stratify_by)
    else:  # a group's stratum is its most frequent value
        pairs = pd.DataFrame({"unit": units.to_numpy(), "stratum": pd.factorize(metadata[stratify_by])[0]})
        counts = pairs.value_counts().reset_index(name="n")
        counts = counts.sort_values(["unit", "n", "stratum"], ascending=[True, False, True])
        strata = counts.drop_duplicates("unit")["stratum"].to_numpy()
    # Shuffle units, then order them by stratum so each stratum is cut by the proportions.
    order = rng.permutation(n_units)
    order = order[np.argsort(strata[order], kind="stable")]
    sorted_strata = strata[order]
    position = np.arange(n_units) - np.searchsorted(sorted_strata, sorted_strata, side="left")
    size = np.bincount(sorted_strata)[sorted_strata]
    bounds = np.round(np.cumsum(weights)[None, :] * size[:, None])  # (units, splits) cut points
    unit_split = np.empty(n_units, dtype=np.int64)
    unit_split[order] = (position[:, None] >= bounds).sum(axis=1)
    return np.asarray(names, dtype=object)[unit_split[units.to_numpy()]].astype(str)


def split_by_regex(metadata: pd.DataFrame, seed: int = 0, column: str = "path",
                   patterns: Mapping[str, str] | None = None, default: str = "train") -> np.ndarray:
    """GinPipe's `partition_by_re`: rows whose `column` matches `patterns[split]` go to that split.

    The first matching pattern wins; unmatched rows go to `default`.

    Example (gin):
        split_dataset.strategy = @split_by_regex
        split_by_regex.patterns = {'test': r'/fold5/', 'validation': r'/fold4/'}
    """
    if not patterns:
        raise ValueError("split_by_regex.patterns is empty: give e.g. {'test': r'fold5'}.")
    values = metadata[column].astype(str)
    split = np.full(len(metadata), default, dtype=object)
    unassigned = np.ones(len(metadata), dtype=bool)
    for name, pattern in patterns.items():
        hit = values.str.contains(re.compile(pattern), regex=True).to_numpy() & unassigned
        split[hit] = name
        unassigned &= ~hit
    return split.astype(str)


def split_by_column(metadata: pd.DataFrame, seed: int = 0, column: str = "split",
                    mapping: Mapping | None = None, default: str | None = "train") -> np.ndarray:
    """Splits from an existing column: official splits, or folds mapped to split names.

    Without `mapping`, the column's values are the split names. With it, values are looked up
    (e.g. ESC-50 folds `{5: 'test', 4: 'validation'}`) and the rest go to `default`.

    Example (gin):
        split_dataset.strategy = @split_by_column
        split_by_column.column = 'fold'
        split_by_column.mapping = {5: 'test', 4: 'validation'}
    """
    values = metadata[column]
    if mapping is None:
        return values.astype(str).to_numpy()
    mapped = values.map(dict(mapping))
    if default is None and mapped.isna().any():
        unknown = sorted(values[mapped.isna()].unique().tolist())[:10]
        raise ValueError(f"split_by_column.mapping has no entry for {column} values {unknown}.")
    return mapped.fillna(default).astype(str).to_numpy()


def split_kfold(metadata: pd.DataFrame, seed: int = 0, n_folds: int = 5, fold: int = 0,
                stratify_by: str | None = "label", group_by: str | None = None) -> np.ndarray:
    """k-fold: fold `fold` is the test split, fold `fold + 1` (mod k) validation, the rest train.

    Folds are stratified and/or grouped like `split_random`; the same seed gives the same folds for
    every `fold`, so running `fold = 0 .. k-1` is a proper cross-validation.

    Example (gin):
        split_dataset.strategy = @split_kfold
        split_kfold.fold = 3
    """
    if not 0 <= fold < n_folds:
        raise ValueError(f"split_kfold.fold must be in [0, {n_folds}), got {fold}.")
    equal = {str(k): 1.0 / n_folds for k in range(n_folds)}
    folds = split_random(metadata, seed, equal, stratify_by, group_by).astype(int)
    split = np.full(len(metadata), "train", dtype=object)
    split[folds == fold] = "test"
    split[folds == (fold + 1) % n_folds] = "validation"
    return split.astype(str)


def split_dataset(state: MutableMapping, strategy: Strategy = split_random, column: str = "split",
                  key_in: str = "dataset_metadata", key_out: str = "dataset_metadata",
                  seed_key: str = "seed") -> MutableMapping:
    """Add a split column to the metadata, using `strategy` and the pipeline seed.

    Args:
        state: pipeline state; `state[seed_key]` (written by `set_seed`) seeds random strategies.
        strategy: `split_random` (default), `split_by_regex`, `split_by_column` or `split_kfold`.
        column: name of the column to write.
        key_in: state key of the metadata to read.
        key_out: state key of the metadata written back.
        seed_key: state key holding the seed (0 when absent).

    Example (gin):
        split_dataset.strategy = @split_random
    """
    metadata = state[key_in].copy()
    seed = int(state[seed_key]) if seed_key in state else 0
    split = strategy(metadata, seed=seed)
    metadata[column] = pd.Categorical(split)
    counts = pd.crosstab(metadata["label"], metadata[column]) if "label" in metadata else None
    sizes = metadata[column].value_counts().to_dict()
    logger.info(f"split sizes: {sizes}" + (f"\nper class:\n{counts.to_string()}"
                                          if counts is not None and len(counts) <= 50 else ""))
    state[key_out] = metadata
    return state
