"""`ginpipe.config.checks.value_types`: a value of the wrong type or range is refused at the user's line."""
import pytest

from ginpipe.config.checks.value_types import RANGES, check_values
from ginpipe.errors import ConfigError, Where
from tests.support.config_project import resolved_config


@pytest.fixture
def check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def run(text, mods=None):
        config = resolved_config(tmp_path, text, mods)
        check_values(config)
        return config
    return run


@pytest.mark.parametrize("binding", [
    "n_layers = 3", "lr = 1", "lr = 0.5", "mode = 'b'", "name = None", "name = 'x'", "flag = True",
    "batch_size = 1", "n_layers = @checked_tasks.helper()", "lr = %LR\nLR = 0.2", "lr = %UNDEFINED",
])
def test_values_that_fit_pass(check, binding):
    check(f"checked_tasks.fit.{binding}\n")


@pytest.mark.parametrize("binding, problem", [
    ("n_layers = 'ten'", "`fit.n_layers` expects an int, got 'ten'."),
    ("n_layers = True", "`fit.n_layers` expects an int, got True."),
    ("lr = '0.1'", "`fit.lr` expects a number, got '0.1'."),
    ("mode = 'c'", "`fit.mode` expects one of 'a', 'b', got 'c'."),
    ("flag = 1", "`fit.flag` expects True or False, got 1."),
    ("batch_size = 0", "`fit.batch_size` must be a whole number >= 1, got 0."),
    ("n_layers = 0", "`fit.n_layers` must be a whole number >= 1, got 0."),
])
def test_a_wrong_value_names_the_parameter_what_it_expects_and_the_line(check, binding, problem):
    with pytest.raises(ConfigError) as caught:
        check(f"\nchecked_tasks.fit.{binding}\n")
    assert caught.value.message == problem
    assert caught.value.where == Where("c.gin", 2, f"checked_tasks.fit.{binding}")
    assert caught.value.hint == f"Give `{binding.split()[0]}` a value of the right kind (see `checked_tasks.fit`)."


def test_a_wrong_value_through_a_macro_names_the_macros_line(check):
    with pytest.raises(ConfigError) as caught:
        check("checked_tasks.fit.batch_size = %BS\nBS = 4\n", ["BS=-2"])
    assert caught.value.message == ("`fit.batch_size` must be a whole number >= 1, got -2"
                                    " (through %BS, used at c.gin, line 1).")
    assert caught.value.where == Where("--mods", 1, "BS=-2")


def test_no_limit_is_minus_one_for_epochs_and_steps():
    assert [RANGES["max_epochs"][0](v) for v in (-1, 0, 1)] == [True, False, True]
    assert [RANGES["max_steps"][0](v) for v in (-1, 0, 1)] == [True, False, True]
