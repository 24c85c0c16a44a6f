"""`ginpipe.cache.shared`: the State records each task's first reads, writes and in-place changes."""
import pytest

from ginpipe.cache import fingerprint
from ginpipe.cache.shared import ABSENT, State


def test_attribute_and_item_access_are_the_same_mapping():
    state = State({"seed": 3})
    state.model = "m"
    assert (state.seed, state["model"], len(state), sorted(state)) == (3, "m", 2, ["model", "seed"])
    del state.model
    assert "model" not in state
    with pytest.raises(AttributeError, match="^The state has no key 'model'.$"):
        state.model
    with pytest.raises(KeyError):
        del state["model"]


def test_initial_values_are_versioned_by_content():
    assert State({"seed": 3}).version("seed") == fingerprint.content(3)
    assert State({"seed": 3}).version("seed") != State({"seed": 4}).version("seed")
    assert State().version("seed") == ABSENT


def test_a_task_records_its_first_reads_with_their_versions_and_its_writes():
    state = State({"a": 1, "b": 2})
    state.put("c", 5, version="v-c")
    state.begin()
    state.a, state["c"]
    state.x = 10
    state.x  # reading what it wrote itself is no input
    "missing" in state  # asking for an absent key is an input: its arrival changes the task
    del state.b
    access = state.end()
    assert access.reads == {"a": state.version("a"), "c": "v-c", "missing": ABSENT}
    assert (access.writes, access.deletes) == ({"x"}, {"b"})


def test_a_value_changed_in_place_counts_as_written():
    state = State({"rows": [1, 2], "same": [3]})
    state.begin()
    state.rows.append(3)
    state.same
    assert state.end().writes == {"rows"}


def test_lazy_values_load_once_on_first_access_and_peek_records_nothing():
    loads = []
    state = State()
    state.put("df", version="v1", loader=lambda: loads.append(1) or "frame")
    assert loads == [] and "df" in state and list(state) == ["df"]
    state.begin()
    assert state.peek("df") == "frame"
    assert state.df == "frame"
    assert loads == [1]
    assert state.end().reads == {"df": "v1"}


def test_put_and_discard_change_no_access_record():
    state = State()
    state.begin()
    state.put("k", 1, version="v")
    state.discard("k")
    access = state.end()
    assert (access.reads, access.writes, access.deletes) == ({}, set(), set())
    assert state.version("k") == ABSENT


def test_copy_and_pickling_materialise_every_value():
    import pickle

    state = State({"a": 1})
    state.put("b", version="v", loader=lambda: 2)
    assert state.copy() == {"a": 1, "b": 2}
    assert dict(pickle.loads(pickle.dumps(state))) == {"a": 1, "b": 2}
    assert repr(state) == "State(['a', 'b'])"
