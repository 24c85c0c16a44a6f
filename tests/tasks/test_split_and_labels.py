import numpy as np
import pandas as pd
import pytest

from tasks.labels import make_labels
from tasks.split import split_by_column, split_by_regex, split_dataset, split_kfold, split_random


@pytest.fixture
def table():
    n = 200
    return pd.DataFrame({
        "label": np.repeat(["a", "b", "c", "d"], [20, 40, 60, 80]),
        "speaker": np.arange(n) % 25,
        "path": [f"/data/fold{i % 5}/clip{i}.wav" for i in range(n)],
        "fold": np.arange(n) % 5 + 1,
    })


def test_random_split_is_stratified_and_reproducible(table):
    split = split_random(table, seed=1, proportions={"train": 0.7, "validation": 0.1, "test": 0.2})
    counts = pd.crosstab(table["label"], split)
    assert counts.loc["d"].to_dict() == {"test": 16, "train": 56, "validation": 8}
    assert counts.loc["a"].to_dict() == {"test": 4, "train": 14, "validation": 2}
    np.testing.assert_array_equal(split, split_random(table, seed=1, proportions={"train": 0.7, "validation": 0.1, "test": 0.2}))
    assert (split != split_random(table, seed=2, proportions={"train": 0.7, "validation": 0.1, "test": 0.2})).any()


def test_grouped_split_never_puts_a_group_in_two_splits(table):
    split = split_random(table, seed=0, group_by="speaker")
    assert (pd.crosstab(table["speaker"], split) > 0).sum(axis=1).max() == 1
    assert set(split) == {"train", "validation", "test"}


def test_regex_split_first_match_wins(table):
    split = split_by_regex(table, patterns={"test": r"/fold4/", "validation": r"/fold[34]/"})
    assert pd.Series(split).value_counts().to_dict() == {"train": 120, "test": 40, "validation": 40}
    assert (split[table["path"].str.contains("fold4")] == "test").all()


def test_existing_column_as_is_or_mapped(table):
    table["official"] = np.where(table["fold"] == 1, "test", "train")
    assert (split_by_column(table, column="official") == table["official"]).all()
    mapped = split_by_column(table, column="fold", mapping={5: "test", 4: "validation"})
    assert pd.Series(mapped).value_counts().to_dict() == {"train": 120, "test": 40, "validation": 40}
    with pytest.raises(ValueError, match=r"has no entry for fold values \[1, 2, 3\]"):
        split_by_column(table, column="fold", mapping={5: "test", 4: "validation"}, default=None)


def test_kfold_tests_every_row_exactly_once(table):
    tested = np.zeros(len(table), dtype=int)
    for fold in range(5):
        split = split_kfold(table, seed=3, n_folds=5, fold=fold, group_by="speaker")
        tested += split == "test"
        assert (pd.crosstab(table["speaker"], split) > 0).sum(axis=1).max() == 1
    assert (tested == 1).all()


def test_split_dataset_uses_the_pipeline_seed(state, table):
    state["dataset_metadata"] = table
    split_dataset(state, strategy=split_random)
    first = state["dataset_metadata"]["split"].astype(str).to_numpy()
    np.testing.assert_array_equal(first, split_random(table, seed=0))
    state["seed"], state["dataset_metadata"] = 7, table
    split_dataset(state)
    assert (state["dataset_metadata"]["split"].astype(str).to_numpy() != first).any()


def test_make_labels_builds_sorted_class_map_and_targets(state, table):
    state["dataset_metadata"] = table
    make_labels(state)
    assert state["class_map"] == {"a": 0, "b": 1, "c": 2, "d": 3}
    meta = state["dataset_metadata"]
    assert (meta["target"] == meta["label"].map(state["class_map"])).all()
    with pytest.raises(ValueError, match=r"has no entry for labels \['c', 'd'\]"):
        make_labels(state, classes=["a", "b"])
