"""`ginpipe.cache.formats`: each state value in the file format that keeps it exact."""
import pandas as pd
import pytest

from ginpipe.cache.formats import load_value, safe_name, save_value


@pytest.mark.parametrize("key, name", [("df", "df"), ("train/df", "train_df"), ("..hidden", "hidden"),
                                       ("", "_"), ("a b:c", "a_b_c"), ("x" * 200, "x" * 120)])
def test_a_state_key_becomes_a_safe_file_name(key, name):
    assert safe_name(key) == name


def test_a_frame_goes_to_parquet_and_comes_back_equal(tmp_path):
    frame = pd.DataFrame({"path": ["a.wav", "b.wav"], "label": [0, 1]})
    assert save_value(frame, tmp_path, "df") == ("df.parquet", "parquet")
    pd.testing.assert_frame_equal(load_value(tmp_path / "df.parquet", "parquet"), frame)


def test_a_frame_parquet_cannot_hold_and_anything_else_are_pickled_exactly(tmp_path):
    frame = pd.DataFrame({"cells": [{1, 2}, {3}]})
    assert save_value(frame, tmp_path, "sets") == ("sets.pkl", "pickle")
    assert load_value(tmp_path / "sets.pkl", "pickle")["cells"].tolist() == [{1, 2}, {3}]
    value = {"labels": ["dog", "siren"], "n": (1, 2.5)}
    assert save_value(value, tmp_path, "meta", tmp_dir=tmp_path / ".tmp") == ("meta.pkl", "pickle")
    assert load_value(tmp_path / "meta.pkl", "pickle") == value
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp", "meta.pkl", "sets.pkl"]


@pytest.mark.parametrize("cells", [[[1, 2], [3]], [{1, 2}, {3}], [{"a": 1}, {"b": 2}], [("a", 1), ("b", 2)]])
def test_cells_parquet_would_change_are_pickled_so_a_cached_rerun_sees_the_same_values(tmp_path, cells):
    frame = pd.DataFrame({"cells": cells, "path": ["a", "b"]})
    name, fmt = save_value(frame, tmp_path, "df")
    assert (name, fmt) == ("df.pkl", "pickle")
    assert load_value(tmp_path / name, fmt)["cells"].tolist() == cells


def test_text_with_gaps_and_an_index_of_names_still_go_to_parquet(tmp_path):
    frame = pd.DataFrame({"path": ["a", None], "n": [1, 2]}, index=["x", "y"])
    assert save_value(frame, tmp_path, "df") == ("df.parquet", "parquet")
    pd.testing.assert_frame_equal(load_value(tmp_path / "df.parquet", "parquet"), frame)
