"""Content fingerprints notice in-place changes of the data containers tasks pass around."""
import numpy as np
import pandas as pd

from ginpipe.cache.fingerprint import content


def test_same_content_same_fingerprint_and_changes_are_seen():
    frame = pd.DataFrame({"path": ["a", "b"], "label": [0, 1]})
    assert content(frame) == content(frame.copy())
    before = content(frame)
    frame["label2"] = [1, 1]
    assert content(frame) != before
    series = frame["label"]
    assert content(series) == content(series.copy()) and content(series) != content(series + 1)
    array = np.arange(6.0)
    assert content(array) != content(array.reshape(2, 3))
    assert content({"a": [1, 2]}) != content({"a": [1, 3]})


def test_cells_holding_lists_and_opaque_objects():
    frame = pd.DataFrame({"x": [[1, 2], [3]]})
    assert content(frame) == content(pd.DataFrame({"x": [[1, 2], [3]]}))
    assert content(object()) is None


def test_a_value_pickled_under_the_old_state_package_still_loads():
    import pickle

    from ginpipe.cache import pickling
    from ginpipe.cache.shared import State

    old = pickle.dumps(State({"a": 1})).replace(b"ginpipe.cache.shared", b"ginpipe.cache.shared")
    assert b"ginpipe.cache.shared" in old
    assert dict(pickling.loads(old).items()) == {"a": 1}


def test_equal_values_of_different_kinds_differ_and_sets_ignore_order():
    from pathlib import PurePosixPath
    kinds = [1, 1.0, True, "1", b"1", None, (1,), [1], {1}, PurePosixPath("1")]
    assert len({content(v) for v in kinds}) == len(kinds)
    assert content({3, 1, 2}) == content({2, 3, 1}) and content(frozenset({1})) != content({1})
    assert content({"a": 1, "b": 2}) != content({"b": 2, "a": 1})  # dicts keep their order, as tasks see it


def test_what_cannot_be_hashed_reliably_is_none_anywhere_inside():
    assert content({"model": object()}) is None and content([1, {object()}]) is None
    nested = []
    for _ in range(60):
        nested = [nested]
    assert content(nested) is None  # too deep to be worth hashing
    assert content(np.array([object()], dtype=object)) is None


def test_digest_parts_are_separated():
    from ginpipe.cache.fingerprint import digest
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", b"b") == digest(b"a", "b") and len(digest("x")) == 32
