"""`ginpipe.cache.task_keys`: a task's key changes with what can change its result, and only that."""
import pytest

from ginpipe.config.text.composition import compose
from ginpipe.config.resolution import ResolvedConfig
from ginpipe.cache.data_paths import Listing
from ginpipe.cache.fingerprint import digest
from ginpipe.cache.task_keys import KeyInputs, TaskRecord, changes, key_inputs, written_version

USED = ["tasks.models.Resnet", "tasks.load.load"]
BASE = "Resnet.n_layers = 10\nResnet.act = %ACT\nACT = 'relu'\nload.n = 3\nOther.x = 1\n"


@pytest.fixture
def config(tmp_path):
    def make(text: str) -> ResolvedConfig:
        (tmp_path / "c.gin").write_text(text.replace("Resnet.", "tasks.models.Resnet.")
                                        .replace("load.", "tasks.load.load.").replace("Other.", "tasks.Other."))
        composition = compose([str(tmp_path / "c.gin")])
        return ResolvedConfig(composition.bindings, {n: b.value for n, b in composition.macros().items()})
    return make


def _key(config, code=None, reads=None, data=None):
    return key_inputs("tasks.fit", code or {"m.py:fit": "d1"}, USED, config, reads or {"df": "v1"}, data)


def test_the_bindings_of_the_used_configurables_are_kept_with_macros_substituted(config):
    inputs = _key(config(BASE))
    assert inputs.bindings == {"tasks.models.Resnet.n_layers": "10", "tasks.models.Resnet.act": "'relu'",
                               "tasks.load.load.n": "3"}


def test_the_key_changes_with_a_used_binding_or_a_macro_it_names_only(config):
    base = _key(config(BASE)).key
    assert _key(config(BASE.replace("= 10", "= 20"))).key != base
    assert _key(config(BASE.replace("'relu'", "'gelu'"))).key != base
    assert _key(config(BASE.replace("x = 1", "x = 2"))).key == base  # not used by the task
    assert _key(config(BASE + "UNUSED = 5\n")).key == base
    # the same values written another way: a macro inlined, the bindings reordered
    same = "load.n = 3\nResnet.act = 'relu'\nResnet.n_layers = 10\n"
    assert _key(config(same)).key == base


def test_the_key_changes_with_code_reads_and_data(config):
    resolved = config(BASE)
    base = _key(resolved).key
    assert _key(resolved, code={"m.py:fit": "d2"}).key != base
    assert _key(resolved, code={"m.py:fit": "d1", "m.py:helper": "d3"}).key != base
    assert _key(resolved, reads={"df": "v2"}).key != base
    assert _key(resolved, reads={"df": "v1", "labels": "v1"}).key != base
    listing = Listing("abc", {"": (2, "x")}, "folder")
    with_data = _key(resolved, data={"sounds": listing}).key
    assert with_data != base
    assert _key(resolved, data={"sounds": Listing("abd", {"": (2, "x")}, "folder")}).key != with_data
    assert _key(resolved, data={"sounds": Listing("abc", {"": (9, "y")}, "folder")}).key == with_data


def test_a_key_without_data_is_the_one_made_before_data_was_keyed():
    inputs = KeyInputs("t", {"f:a": "1"}, {"s.x": "2"}, {"k": "v"})
    assert inputs.key == digest("t", "f:a:1", "--bindings--", "s.x=2", "--reads--", "k=v")
    assert inputs.to_json() == {"code": {"f:a": "1"}, "bindings": {"s.x": "2"}}


def test_a_written_version_is_per_task_key_and_state_key():
    assert written_version("k1", "df") == digest("k1", "df")
    assert len({written_version("k1", "df"), written_version("k2", "df"), written_version("k1", "x")}) == 3


def test_changes_say_what_differs_bindings_then_code_then_data():
    old = {"bindings": {"tasks.models.Resnet.n_layers": "10", "train/tasks.fit.lr": "0.1"},
           "code": {"m.py:fit": "a", "m.py:old": "b"},
           "data": {"sounds": {"digest": "d1", "kind": "folder", "folders": {"": [2, "x"]}}}}
    new = KeyInputs("t", {"m.py:fit": "c", "m.py:new": "d"},
                    {"tasks.models.Resnet.n_layers": "20", "tasks.fit.epochs": "3"}, {},
                    {"sounds": Listing("d2", {"": (7, "y")}, "folder")})
    assert changes(old, new, limit=10) == [
        "fit.epochs: (default) -> 3", "Resnet.n_layers: 10 -> 20", "train/fit.lr: 0.1 -> (default)",
        "m.py:fit changed", "m.py:new added", "m.py:old removed", "data changed: sounds (+5 files)"]
    assert changes(old, new, limit=2) == ["fit.epochs: (default) -> 3", "Resnet.n_layers: 10 -> 20", "5 more"]
    assert changes(None, new) == [] and changes({}, new) == []


def test_a_record_round_trips_and_ignores_fields_it_does_not_know():
    record = TaskRecord("tasks.fit", "k", ["tasks.fit"], {"df": "v"}, {"model": {"version": "w"}})
    data = record.to_json()
    assert TaskRecord.from_json({**data, "added_later": 1}) == record
    assert data["deletes"] == [] and data["folder"] is None and data["declared"] == []
