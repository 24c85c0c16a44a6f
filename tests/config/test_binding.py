"""`ginpipe.config.binding`: the final bindings go to gin on stand-ins, nothing of the project imported."""
import sys

import gin
import pytest

from ginpipe.config import gin_internals
from ginpipe.config.binding import bind_stand_ins, forget_stand_ins, is_stand_in
from tests.support.config_project import resolved_config


@pytest.fixture
def bound(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = resolved_config(tmp_path, "checked_tasks.fit.lr = %LR\nLR = 0.5\ntrain/checked_tasks.fit.n_layers = 3\n"
                                       "checked_tasks.run.tasks = [@checked_tasks.fit, @checked_tasks.Head()]\n")
    bind_stand_ins(config, sorted(config.signatures))
    yield config
    forget_stand_ins()


def test_gin_holds_the_bindings_with_macros_and_scopes(bound):
    assert repr(gin.query_parameter("checked_tasks.fit.lr")) == "%LR"  # gin follows the macro when called
    assert gin.query_parameter("train/checked_tasks.fit.n_layers") == 3
    assert gin.query_parameter("%LR") == 0.5
    tasks = gin.query_parameter("checked_tasks.run.tasks")
    assert [(t.configurable.name, t.evaluate) for t in tasks] == [("fit", False), ("Head", True)]
    assert "checked_tasks" not in sys.modules  # nothing of the project was imported


def test_stand_ins_are_named_as_the_objects_they_stand_for_and_refuse_to_run(bound):
    stand_in = gin_internals.registered_object("checked_tasks.fit")
    assert is_stand_in(stand_in)
    assert (stand_in.__name__, stand_in.__qualname__, stand_in.__module__) == ("fit", "fit", "checked_tasks")
    with pytest.raises(RuntimeError,
                       match=r"^ginpipe bug: `checked_tasks.fit` was called before its module was imported$"):
        stand_in(None)


def test_forgetting_unregisters_only_the_stand_ins(bound):
    forget_stand_ins()
    assert gin_internals.registered_object("checked_tasks.fit") is None
    assert not is_stand_in(print)
