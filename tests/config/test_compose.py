"""Composition: files in order, mods last, GinPipe syntax, errors at the user's file and line."""
import gin
import pytest

import ginpipe
from ginpipe.errors import ConfigError


def test_later_file_wins_and_mods_apply_last(project):
    project.write("more.gin", "set_seed.seed = 7\nload.n = 3\n")
    state = project.run("base.gin", "more.gin", mods=["load.n=4"])
    assert state["seed"] == 7
    assert state["data"] == [0, 1, 2, 3]


def test_mods_in_ginpipe_form_and_repeated_flags(project):
    done = project.cli("base.gin", "--mods", "N=1", "set_seed.seed=9", "--mods", "double.factor=10",
                       "--experiment_name", "m", check=True)
    assert done.returncode == 0
    state = ginpipe.load_state(project.exp("m"))
    assert (state["seed"], state["data2"]) == (9, [0, 10])


def test_append_across_two_files_inside_blocks_and_over_lines(project):
    project.write("a.gin", """
        execute_pipeline:
            tasks = [@set_seed,
                     @load]
        """)
    project.write("b.gin", """
        execute_pipeline:
            tasks += [@double,
                      @total]
        """)
    state = project.run("a.gin", "b.gin")
    assert state["total"] == sum(2 * x for x in range(10))


def test_append_with_nothing_before_is_an_assignment(project):
    project.write("c.gin", "execute_pipeline.tasks += [@set_seed]\n")
    assert project.run("c.gin")["seed"] == 0


def test_append_onto_a_non_list_names_both_places(project):
    project.write("c.gin", "load.n = 3\nload.n += [4]\n")
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", "c.gin")
    text = str(e.value)
    assert "`+=` appends to a list" in text and "c.gin" in text and "line 2" in text


def test_arithmetic_uses_macros(project):
    project.write("c.gin", "A = 3\nload.n = $(%A * 2)\ndouble.factor = $(max(%A, 1) ** 2 // 2)\n")
    state = project.run("base.gin", "c.gin")
    assert state["data"] == list(range(6)) and state["data2"][1] == 4


@pytest.mark.parametrize("expression, message", [
    ("%MISSING * 2", "uses macro %MISSING, which is not defined"),
    ("1 / 0", "divides by zero"),
    ("__import__('os').getcwd()", "is not allowed"),
])
def test_bad_arithmetic_is_rejected_at_its_line(project, expression, message):
    project.write("c.gin", f"# line 1\nload.n = $({expression})\n")
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", "c.gin")
    assert message in str(e.value) and 'c.gin", line 2' in str(e.value)


def test_initial_state_lines_and_keys_not_saved(project):
    project.write("c.gin", "$threshold = 0.5\n$keys_not_saved = ['data2']\n")
    state = project.run("base.gin", "c.gin")
    assert state["threshold"] == 0.5
    assert not list((project.exp("e") / "state").glob("*/data2.*"))
    assert list((project.exp("e") / "state").glob("*/total.*"))


def test_load_template_pastes_a_file_with_values(project):
    project.write("templates/seed.gin", "set_seed.seed = {value}\nload.n = {n}\n")
    project.write("c.gin", """
        !load_template:
            template = 'templates/seed.gin'
            value = '11'
            n = '2'
        double.factor = 1
        """)
    state = project.run("base.gin", "c.gin")
    assert (state["seed"], state["data2"]) == (11, [0, 1])


def test_include_resolves_relative_to_the_including_file(project):
    project.write("configs/sub/extra.gin", "set_seed.seed = 5\n")
    project.write("configs/main.gin", "include 'sub/extra.gin'\n")
    assert project.run("base.gin", "configs/main.gin")["seed"] == 5


def test_predefined_macros_and_experiment_name_spellings(project):
    project.write("c.gin", "keep.obj = [%EXPERIMENT_NAME, %PROJECT_NAME, %OUTPUT_DIR]\n"
                           "execute_pipeline.tasks = [@keep]\n")
    project.cli("c.gin", "--experiment_name", "x1", "--project_name", "p", check=True)
    project.cli("c.gin", "--experiment-name", "x2", "--project-name", "p", check=True)
    assert ginpipe.load_state(project.exp("x1", "p"))["obj"] == ["x1", "p", "experiments/p/x1"]
    assert ginpipe.load_state(project.exp("x2", "p"))["obj"] == ["x2", "p", "experiments/p/x2"]


def test_config_can_set_its_own_output_dir(project):
    project.write("c.gin", "OUTPUT_DIR = 'elsewhere/run1'\n")
    state = project.run("base.gin", "c.gin", name=None)
    assert state["output_dir"] == "elsewhere/run1"
    assert (project.root / "elsewhere/run1/config.gin").is_file()


def test_unknown_parameter_names_file_line_and_suggests(project):
    project.write("c.gin", "# a comment\nload.nn = 3\n")
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", "c.gin")
    assert str(e.value) == ("`load` has no parameter `nn`. Did you mean `n`?\n"
                            f'In file "{project.root / "c.gin"}", line 2:\n    load.nn = 3\n'
                            "Parameters of `tasks.steps.load`: state, n, key_out, pause.")


def test_unknown_configurable_suggests_close_names(project):
    project.write("c.gin", "execute_pipeline.tasks = [@set_sed]\n")
    with pytest.raises(ConfigError) as e:
        project.run("c.gin")
    assert "No configurable matching `set_sed`" in str(e.value)
    assert "Did you mean `set_seed`?" in str(e.value) and "line 1" in str(e.value)


def test_syntax_error_names_the_line(project):
    project.write("c.gin", "load.n = 3\n\nthis is = wrong\n")
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", "c.gin")
    assert str(e.value).startswith("Syntax error") and 'c.gin", line 3' in str(e.value)


def test_mod_without_equals_is_rejected(project):
    with pytest.raises(ConfigError) as e:
        project.run("base.gin", mods=["load.n"])
    assert "Mod `load.n` is not a binding" in str(e.value) and "--mods item 1" in str(e.value)


def test_missing_config_file(project):
    with pytest.raises(ConfigError) as e:
        project.run("bsae.gin")
    assert "Config file" in str(e.value) and "does not exist" in str(e.value)
    assert "base.gin" in str(e.value)  # did you mean


def test_empty_task_list_and_non_callable_task(project):
    project.write("empty.gin", "execute_pipeline.tasks = []\n")
    with pytest.raises(ConfigError, match="The task list is empty"):
        project.run("empty.gin")
    project.write("bad.gin", "execute_pipeline.tasks = [@set_seed, 3]\n")
    with pytest.raises(ConfigError, match="Task 2 of the task list is 3, which is not callable"):
        project.run("bad.gin")
    project.write("none.gin", "set_seed.seed = 1\n")
    with pytest.raises(ConfigError, match="No task list"):
        project.run("none.gin")


def test_gin_config_is_reset_between_runs(project):
    project.run("base.gin", mods=["set_seed.seed=42"], name="a")
    state = project.run("base.gin", name="b")
    assert state["seed"] == 3
    assert gin.config_str().strip() == ""
