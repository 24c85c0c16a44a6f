"""`ginpipe.config.checks.parameters`: unknown parameters, undefined macros and unusable task lists, at their line."""
import pytest

from ginpipe.config.checks.parameters import check_macros, check_parameters, check_task_lists
from ginpipe.errors import ConfigError, Where
from tests.support.config_project import resolved_config

PIPELINE = "checked_tasks.run"


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return lambda text, mods=None: resolved_config(tmp_path, text, mods)


def test_an_unknown_parameter_suggests_the_close_one_and_lists_them_all(config):
    resolved = config("checked_tasks.fit.n_layer = 3\n")
    with pytest.raises(ConfigError) as caught:
        check_parameters(resolved)
    assert str(caught.value) == (
        "`fit` has no parameter `n_layer`. Did you mean `n_layers`?\n"
        'In file "c.gin", line 1:\n    checked_tasks.fit.n_layer = 3\n'
        "Parameters of `checked_tasks.fit`: state, n_layers, lr, batch_size, mode, name, flag.")
    check_parameters(config("checked_tasks.fit.n_layers = 3\nchecked_tasks.Head.dim = 2\n"))


def test_an_undefined_macro_a_task_reaches_is_an_error(config):
    resolved = config("checked_tasks.run.tasks = [@checked_tasks.fit]\nLAYERS = 2\n"
                      "checked_tasks.fit.n_layers = %LAYER\n")
    with pytest.raises(ConfigError) as caught:
        check_macros(resolved, PIPELINE)
    assert str(caught.value) == (
        "Macro %LAYER is not defined. Did you mean `LAYERS`?\n"
        'In file "c.gin", line 3:\n    checked_tasks.fit.n_layers = %LAYER\n'
        "Define it in a config (`LAYER = ...`) or with --mods LAYER=...; defined macros: LAYERS.")


def test_an_undefined_macro_no_task_reaches_is_a_warning_as_in_gin(config):
    resolved = config("checked_tasks.run.tasks = [@checked_tasks.fit]\nchecked_tasks.Head.dim = %DIM  # shared\n")
    check_macros(resolved, PIPELINE)
    assert resolved.warnings == [
        "Macro %DIM is not defined, but no task reaches `checked_tasks.Head.dim = %DIM` (c.gin, line 2): gin"
        " evaluates a macro only when its configurable is called, so the run goes on. Define it if a task"
        " should use that binding."]
    with pytest.raises(ConfigError, match="^Macro %DIM is not defined."):
        check_macros(resolved)  # without a pipeline every binding counts as reached


def test_a_missing_task_list_says_what_to_add(config):
    with pytest.raises(ConfigError) as caught:
        check_task_lists(config("checked_tasks.fit.lr = 0.1\n"), PIPELINE)
    assert str(caught.value) == ("No task list: nothing binds `execute_pipeline.tasks`.\n"
                                 "Add e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset, @fit_model]`.")


@pytest.mark.parametrize("tasks, message, hint", [
    ("[]", "The task list is empty: expected a non-empty list of tasks.",
     "Write e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset]`."),
    ("@checked_tasks.fit", "The task list is @checked_tasks.fit: expected a non-empty list of tasks.",
     "Write e.g. `execute_pipeline.tasks = [@set_seed, @load_dataset]`."),
    ("[@checked_tasks.fit, 'load']", "Task 2 of the task list is 'load', which is not callable.",
     "Tasks are referenced with `@`: `@load_dataset`."),
    ("[@checked_tasks.Head()]", "Task 1 `@checked_tasks.Head()` makes a `Head` object, which is not callable.",
     "Reference a function, or give `Head` a `__call__(self, state)`."),
    ("[@checked_tasks.nothing]", "Task 1 `@checked_tasks.nothing` cannot take the state: a task is called as"
     " `task(state)`.", "Give `nothing` a first parameter `state`, or wrap it in a function that takes one."),
    ("[@os.getcwd]", "Task 1 `@os.getcwd` cannot take the state: a task is called as `task(state)`.",
     "Give `getcwd` a first parameter `state`, or wrap it in a function that takes one."),
])
def test_an_unusable_task_list_names_the_task_and_the_line(config, tasks, message, hint):
    with pytest.raises(ConfigError) as caught:
        check_task_lists(config(f"\nchecked_tasks.run.tasks = {tasks}\n"), PIPELINE)
    assert (caught.value.message, caught.value.hint) == (message, hint)
    assert caught.value.where == Where("c.gin", 2, f"checked_tasks.run.tasks = {tasks}")


def test_usable_task_lists_pass_in_every_scope(config):
    check_task_lists(config("checked_tasks.run.tasks = [@checked_tasks.fit, @checked_tasks.Step()]\n"
                            "eval/checked_tasks.run.tasks = [@checked_tasks.fit]\n"), PIPELINE)
