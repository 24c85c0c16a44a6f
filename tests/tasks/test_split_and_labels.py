import numpy as np
import pandas as pd
import pytest

from tasks.labels import make_labels
from tasks.split import (EmptySplitError, _per_class, split_by_column, split_by_regex, split_dataset, split_kfold,
                         split_random)


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


def test_a_mapping_whose_keys_match_no_value_is_an_error_at_the_split(table):
    with pytest.raises(EmptySplitError) as raised:
        split_by_column(table, column="fold", mapping={"4": "test"})
    assert str(raised.value) == (
        "split_by_column.mapping = {'4': 'test'} leaves split 'test' empty: column 'fold' holds 5 distinct int64"
        " value(s): 1, 2, 3, 4, 5; keys must equal those values, type included: did you mean {4: 'test'}?")
    with pytest.raises(EmptySplitError, match=r"mapping = \{5: 'test', 9: 'validation'\} leaves split 'validation'"
                                              r" empty: .*type included\.$"):
        split_by_column(table, column="fold", mapping={5: "test", 9: "validation"})
    with pytest.raises(EmptySplitError, match=r"^split_by_column.default = 'train' \(the mapping covers every"
                                              r" value\) leaves split 'train' empty"):
        split_by_column(table, column="fold", mapping={1: "test", 2: "validation", 3: "test", 4: "test", 5: "test"})


def test_an_official_split_column_with_missing_values_is_an_error(table):
    table["official"] = np.where(table["fold"] == 1, "test", None)
    with pytest.raises(EmptySplitError, match=r"^split_by_column: 160 rows have no 'official' value, so no split;"
                                              r" column 'official' holds 1 distinct"):
        split_by_column(table, column="official")


def test_a_regex_split_that_matches_nothing_is_an_error_naming_the_values(table):
    with pytest.raises(EmptySplitError) as raised:
        split_by_regex(table, patterns={"test": r"/fold4/", "validation": r"/Fold3/"})
    assert str(raised.value) == (
        "split_by_regex.patterns['validation'] = r'/Fold3/' leaves split 'validation' empty: no row's `path`"
        " matches it before an earlier pattern does (values look like '/data/fold0/clip0.wav',"
        " '/data/fold1/clip1.wav', '/data/fold2/clip2.wav').")
    with pytest.raises(EmptySplitError, match=r"patterns\['validation'\] = r'fold4' leaves split 'validation' empty"):
        split_by_regex(table, patterns={"test": r"fold[34]", "validation": r"fold4"})  # the first one took them


def test_random_and_kfold_splits_too_small_for_their_splits_are_errors(table):
    small = table.iloc[:3]
    with pytest.raises(EmptySplitError) as raised:
        split_random(small, stratify_by=None)
    assert str(raised.value) == (
        "split_random: split 'test' (proportion 0.15) gets no rows: 3 rows to share out as {'train': 0.7,"
        " 'validation': 0.15, 'test': 0.15}. Add rows, raise its proportion, or set it to 0.")
    with pytest.raises(EmptySplitError, match=r"^split_random: split 'validation' \(proportion 0.2\) gets no rows:"
                                              r" 3 groups of `speaker` to share out"):
        split_random(table[table["speaker"] < 3], proportions={"train": 0.6, "validation": 0.2, "test": 0.2},
                     stratify_by=None, group_by="speaker")
    with pytest.raises(EmptySplitError) as raised:
        split_kfold(table[table["speaker"] < 4], n_folds=5, group_by="speaker", stratify_by=None)
    assert str(raised.value) == ("split_kfold.n_folds = 5 leaves folds empty: there are only 4 groups of `speaker`."
                                 " Lower split_kfold.n_folds or add rows.")


def test_split_dataset_logs_sizes_per_class_from_integer_codes(state, table):
    state["dataset_metadata"] = table
    split_dataset(state, strategy=lambda frame, seed: split_by_column(frame, column="fold",
                                                                      mapping={5: "test", 4: "validation"}))
    meta = state["dataset_metadata"]
    assert meta["split"].value_counts().to_dict() == {"train": 120, "test": 40, "validation": 40}
    assert _per_class(meta["label"], meta["split"]).loc["d"].to_dict() == {"test": 16, "train": 48, "validation": 16}


def test_a_split_later_tasks_need_is_required_at_the_split(state, table):
    table["official"] = np.where(table["fold"] == 1, "testing", "train")  # 'testing': not the name evaluation uses
    state["dataset_metadata"] = table
    with pytest.raises(EmptySplitError) as raised:
        split_dataset(state, strategy=lambda frame, seed: split_by_column(frame, column="official"),
                      required=["train", "test"])
    assert str(raised.value) == (
        "split_dataset: split 'test' (split_dataset.required = ['train', 'test']) gets no rows: <lambda> gave"
        " {'train': 160, 'testing': 40}. Make the strategy name it (e.g. split_by_column.mapping maps a column's"
        " values to split names), or change split_dataset.required.")
    split_dataset(state, strategy=lambda frame, seed: split_by_column(frame, column="official",
                                                                      mapping={"testing": "test"}),
                  required=["train", "test"])
    assert state["dataset_metadata"]["split"].value_counts().to_dict() == {"train": 160, "test": 40}
