"""The `split_dataset` task and its strategies.

A strategy is a function `(metadata, seed) -> split name per row` (a numpy array of strings, or a
`pd.Categorical`, which costs no string per row), so `split_dataset` only assigns the column and logs
sizes. A split the strategy's configuration names but that gets no row is an `EmptySplitError` here,
naming the values it looked at: training to the end and then finding no test split is too late. Strategies
are vectorised (numpy/pandas group operations, no Python loop over rows) so a million-row table splits in
about a second.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping, MutableMapping, Sequence

import numpy as np
import pandas as pd
from loguru import logger

from ginpipe.io import declares_metrics

Strategy = Callable[..., "np.ndarray | pd.Categorical"]

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
                 stratify_by: str | None = "label", group_by: str | None = None) -> pd.Categorical:
    """Random split with the given proportions, stratified by a column and/or grouped.

    With `group_by` (e.g. a speaker or source-recording column), all rows of a group land in the same
    split; proportions then count groups rather than rows, and groups are stratified by their most
    frequent `stratify_by` value. A split with a share that gets no row is an error.

    Example (gin):
        split_dataset.strategy = @split_random
        split_random.proportions = {'train': 0.8, 'validation': 0.1, 'test': 0.1}
        split_random.group_by = 'speaker'
    """
    names, weights = _check_proportions(proportions)
    unit_split, units = _random_units(metadata, seed, names, weights, stratify_by, group_by)
    sizes = np.bincount(unit_split, minlength=len(names))
    empty = [n for n, w, size in zip(names, weights, sizes) if w > 0 and size == 0]
    if empty:
        what = f"{len(unit_split)} groups of `{group_by}`" if group_by else f"{len(unit_split)} rows"
        raise EmptySplitError(
            f"split_random: split {empty[0]!r} (proportion {proportions[empty[0]]}) gets no rows: {what} to share"
            f" out as {dict(proportions)}. Add rows, raise its proportion, or set it to 0.")
    return _categorical(unit_split if units is None else unit_split[units], names)


def _random_units(metadata: pd.DataFrame, seed: int, names: list[str], weights: np.ndarray,
                  stratify_by: str | None, group_by: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(split index of each unit, unit of each row, or None when units are rows): a unit is a row, or
    a group of rows. Arrays are as narrow as their values allow: at 10M rows each int64 is 80 MB."""
    rng = np.random.default_rng(seed)
    units = None if group_by is None else _narrow(pd.factorize(metadata[group_by])[0])
    n_units = len(metadata) if units is None else (int(units.max()) + 1 if len(units) else 0)
    if stratify_by is None:
        strata = np.zeros(n_units, dtype=np.int8)
    elif group_by is None:
        strata, labels = pd.factorize(metadata[stratify_by])
        strata = _narrow(strata)
        _check_strata(names, weights, labels, np.bincount(strata, minlength=len(labels)), stratify_by)
    else:  # a group's stratum is its most frequent value
        pairs = pd.DataFrame({"unit": units, "stratum": pd.factorize(metadata[stratify_by])[0]})
        counts = pairs.value_counts().reset_index(name="n")
        counts = counts.sort_values(["unit", "n", "stratum"], ascending=[True, False, True])
        strata = _narrow(counts.drop_duplicates("unit")["stratum"].to_numpy())
    # Shuffle units, then order them by stratum so each stratum is cut by the proportions. Narrow
    # integer strata sort by radix (linear time): 10M rows split in seconds.
    order = rng.permutation(n_units)
    order = order[np.argsort(strata[order], kind="stable")]
    sorted_strata = strata[order]
    per_stratum = np.bincount(sorted_strata) if n_units else np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.cumsum(per_stratum)[:-1]])
    position = np.arange(n_units) - starts[sorted_strata]
    cuts = np.round(np.cumsum(weights)[None, :] * per_stratum[:, None]).astype(np.int64)  # (strata, splits)
    sorted_split = np.zeros(n_units, dtype=np.min_scalar_type(len(names)))
    for j in range(len(names)):
        sorted_split += position >= cuts[sorted_strata, j]
    del position, sorted_strata
    unit_split = np.empty_like(sorted_split)
    unit_split[order] = sorted_split
    return unit_split, units


def _narrow(codes: np.ndarray) -> np.ndarray:
    """Non-negative integer codes in the smallest integer type that holds them."""
    return codes.astype(np.min_scalar_type(int(codes.max())) if len(codes) else np.int8, copy=False)


def _categorical(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """Split names per row from indices into `names`, without a string per row (categories sorted)."""
    rank = np.argsort(np.argsort(names))
    return pd.Categorical.from_codes(rank.astype(codes.dtype)[codes], sorted(names))


class EmptySplitError(ValueError):
    """A split the configuration names would get no rows."""


def _require_rows(split: np.ndarray, configured: Mapping[str, str], column_note: str) -> None:
    """Every configured split name (-> how the config names it) holds at least one row."""
    present = set(pd.unique(split))
    for name, source in configured.items():
        if name not in present:
            raise EmptySplitError(f"{source} leaves split {name!r} empty: {column_note}")


def _values_note(values: pd.Series, column: str) -> str:
    unique = pd.unique(values.dropna())
    shown = ", ".join(map(repr, sorted(unique.tolist(), key=str)[:10])) + (", ..." if len(unique) > 10 else "")
    return f"column {column!r} holds {len(unique)} distinct {values.dtype} value(s): {shown}"


def split_by_regex(metadata: pd.DataFrame, seed: int = 0, column: str = "path",
                   patterns: Mapping[str, str] | None = None, default: str = "train") -> np.ndarray:
    """GinPipe's `partition_by_re`: rows whose `column` matches `patterns[split]` go to that split.

    The first matching pattern wins; unmatched rows go to `default`. A pattern (or the default)
    that ends with no row is an error naming some of the column's values.

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
    configured = {name: f"split_by_regex.patterns[{name!r}] = r{pattern!r}" for name, pattern in patterns.items()}
    configured.setdefault(default, f"split_by_regex.default = {default!r} (every row matched a pattern)")
    shown = ", ".join(repr(v) for v in values.iloc[:3].tolist())
    _require_rows(split, configured, f"no row's `{column}` matches it before an earlier pattern does"
                  f" (values look like {shown}).")
    return split.astype(str)


def split_by_column(metadata: pd.DataFrame, seed: int = 0, column: str = "split",
                    mapping: Mapping | None = None, default: str | None = "train") -> np.ndarray:
    """Splits from an existing column: official splits, or folds mapped to split names.

    Without `mapping`, the column's values are the split names (a row without one is an error). With
    it, values are looked up (e.g. ESC-50 folds `{5: 'test', 4: 'validation'}`) and the rest go to
    `default`; a split the mapping names that gets no row (keys that equal no value, `'4'` for the
    integer 4) is an error naming the column's values.

    Example (gin):
        split_dataset.strategy = @split_by_column
        split_by_column.column = 'fold'
        split_by_column.mapping = {5: 'test', 4: 'validation'}
    """
    values = metadata[column]
    if mapping is None:
        if values.isna().any():
            raise EmptySplitError(f"split_by_column: {int(values.isna().sum())} rows have no {column!r} value,"
                                  f" so no split; {_values_note(values, column)}. Fill them in, or give"
                                  " split_by_column.mapping and .default.")
        return values.astype(str).to_numpy()
    mapped = values.map(dict(mapping))
    if default is None and mapped.isna().any():
        unknown = sorted(values[mapped.isna()].unique().tolist())[:10]
        raise ValueError(f"split_by_column.mapping has no entry for {column} values {unknown}.")
    split = mapped.fillna(default).astype(str).to_numpy() if default is not None else mapped.astype(str).to_numpy()
    configured = {name: f"split_by_column.mapping = {dict(mapping)!r}" for name in mapping.values()}
    if default is not None:
        configured.setdefault(default, f"split_by_column.default = {default!r} (the mapping covers every value)")
    _require_rows(split, configured, f"{_values_note(values, column)}{_key_hint(mapping, values)}")
    return split


def _key_hint(mapping: Mapping, values: pd.Series) -> str:
    """'; did you mean {4: 'test'}?' when keys equal values only as text (a str key, an int column)."""
    by_text = {str(v): v for v in pd.unique(values.dropna()).tolist()}
    present = set(by_text.values())
    fixed = {(by_text.get(str(k), k) if k not in present else k): v for k, v in mapping.items()}
    if fixed == dict(mapping) or any(k not in present for k in fixed):
        return "; keys must equal those values, type included."
    return f"; keys must equal those values, type included: did you mean {fixed!r}?"


def split_kfold(metadata: pd.DataFrame, seed: int = 0, n_folds: int = 5, fold: int = 0,
                stratify_by: str | None = "label", group_by: str | None = None) -> pd.Categorical:
    """k-fold: fold `fold` is the test split, fold `fold + 1` (mod k) validation, the rest train.

    Folds are stratified and/or grouped like `split_random`; the same seed gives the same folds for
    every `fold`, so running `fold = 0 .. k-1` is a proper cross-validation. Fewer rows (or groups)
    than folds is an error: some fold would test nothing.

    Example (gin):
        split_dataset.strategy = @split_kfold
        split_kfold.fold = 3
    """
    if not 0 <= fold < n_folds:
        raise ValueError(f"split_kfold.fold must be in [0, {n_folds}), got {fold}.")
    names = [str(k) for k in range(n_folds)]
    unit_folds, units = _random_units(metadata, seed, names, np.full(n_folds, 1.0 / n_folds), stratify_by, group_by)
    if len(unit_folds) < n_folds:
        what = f"groups of `{group_by}`" if group_by else "rows"
        raise EmptySplitError(f"split_kfold.n_folds = {n_folds} leaves folds empty: there are only"
                              f" {len(unit_folds)} {what}. Lower split_kfold.n_folds or add rows.")
    folds = unit_folds if units is None else unit_folds[units]
    codes = np.zeros(len(metadata), dtype=np.int8)  # into ["train", "validation", "test"]
    codes[folds == (fold + 1) % n_folds] = 1
    codes[folds == fold] = 2
    return _categorical(codes, ["train", "validation", "test"])


@declares_metrics()  # no metric: a study cannot be judged by it
def split_dataset(state: MutableMapping, strategy: Strategy = split_random, column: str = "split",
                  required: Sequence[str] = ("train",), key_in: str = "dataset_metadata",
                  key_out: str = "dataset_metadata", seed_key: str = "seed") -> MutableMapping:
    """Add a split column to the metadata, using `strategy` and the pipeline seed.

    Args:
        state: pipeline state; `state[seed_key]` (written by `set_seed`) seeds random strategies.
        strategy: `split_random` (default), `split_by_regex`, `split_by_column` or `split_kfold`.
        column: name of the column to write.
        required: splits later tasks need (training; evaluation's `evaluate_model.split`): one that
            gets no row is an `EmptySplitError` here, not after training.
        key_in: state key of the metadata to read.
        key_out: state key of the metadata written back.
        seed_key: state key holding the seed (0 when absent).

    Example (gin):
        split_dataset.strategy = @split_random
    """
    metadata = state[key_in].copy(deep=False)  # copy-on-write: columns are shared until changed
    seed = int(state[seed_key]) if seed_key in state else 0
    split = strategy(metadata, seed=seed)
    metadata[column] = split if isinstance(split, pd.Categorical) else pd.Categorical(split)
    sizes = {str(k): int(v) for k, v in metadata[column].value_counts().items()}
    missing = [name for name in required if not sizes.get(name)]
    if missing:
        name = getattr(strategy, "__name__", type(strategy).__name__)
        raise EmptySplitError(f"split_dataset: split {missing[0]!r} (split_dataset.required = {list(required)})"
                              f" gets no rows: {name} gave {sizes}. Make the strategy name it (e.g."
                              " split_by_column.mapping maps a column's values to split names), or change"
                              " split_dataset.required.")
    counts = _per_class(metadata["label"], metadata[column]) if "label" in metadata else None
    logger.info(f"split sizes: {sizes}" + (f"\nper class:\n{counts.to_string()}" if counts is not None else ""))
    state[key_out] = metadata
    return state


def _per_class(labels: pd.Series, split: pd.Series, most: int = 50) -> pd.DataFrame | None:
    """Rows per (label, split), for the log; None beyond `most` labels. Counted on integer codes
    (a crosstab of 10M strings takes seconds)."""
    codes, names = pd.factorize(labels, sort=True)
    if len(names) > most:
        return None
    splits = split.cat.categories
    counts = np.bincount(codes * len(splits) + split.cat.codes.to_numpy(), minlength=len(names) * len(splits))
    return pd.DataFrame(counts.reshape(len(names), len(splits)), index=pd.Index(names, name=labels.name),
                        columns=pd.Index(splits, name=split.name))
