"""`ginpipe.runs.prepare`: a run's config composed, checked and bound to stand-ins; imported only on bind."""
import sys

import pytest

from ginpipe.config.binding import is_stand_in
from ginpipe.errors import ConfigError, Where
from ginpipe.runs.options import RunOptions
from ginpipe.runs.prepare import prepare, run_scope


def test_prepared_config_naming_initial_state_and_stand_ins_until_bound(project):
    project.write("c.gin", "$labels = ['dog']\nEXPERIMENT_NAME = 'mine'\nload.n = 4\n")
    with run_scope():
        prepared = prepare(RunOptions(("base.gin", "c.gin")))
        assert (prepared.naming.experiment, str(prepared.naming.output_dir)) == ("mine", "experiments/my_project/mine")
        assert prepared.initial == {"labels": ["dog"]}
        assert prepared.config.value("tasks.steps.load", "n") == 4
        assert "load.n = 4" in prepared.config_text.splitlines()
        assert [t.__name__ for t in prepared.tasks] == ["set_seed", "load", "double", "total"]
        assert all(is_stand_in(t) for t in prepared.tasks) and "tasks.steps" not in sys.modules
        assert not prepared.needs_import()
        prepared.bind()
        assert not any(is_stand_in(t) for t in prepared.tasks) and "tasks.steps" in sys.modules


def test_the_checks_run_before_anything_is_imported(project):
    project.write("c.gin", "load.n = 4\nload.nn = 4\n")
    with run_scope(), pytest.raises(ConfigError) as caught:
        prepare(RunOptions(("base.gin", "c.gin")))
    assert caught.value.message == "`load` has no parameter `nn`. Did you mean `n`?"
    assert caught.value.where == Where("c.gin", 2, "load.nn = 4")
    assert "tasks.steps" not in sys.modules
