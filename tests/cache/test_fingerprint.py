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

    old = pickle.dumps(State({"a": 1})).replace(b"ginpipe.cache.shared", b"ginpipe.state.shared")
    assert b"ginpipe.state.shared" in old
    assert dict(pickling.loads(old).items()) == {"a": 1}
