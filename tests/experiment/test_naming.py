"""`ginpipe.experiment.naming`: flags win over the config's macros, which win over the defaults."""
import re
from pathlib import Path

import pytest

from ginpipe.config.text.composition import compose
from ginpipe.errors import ConfigError
from ginpipe.experiment.naming import Naming, choose_naming


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for variable in ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID", "GINPIPE_EXPERIMENT_NAME",
                     "GINPIPE_OUTPUT_DIR"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def _config(work, text):
    (work / "c.gin").write_text(text)
    return compose([str(work / "c.gin")])


def test_defaults_are_my_project_and_a_timestamp(work):
    naming = choose_naming(_config(work, "a.b = 1\n"))
    assert naming.project == "my_project"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d", naming.experiment)
    assert naming.output_dir == Path("experiments") / "my_project" / naming.experiment


def test_the_config_macros_win_over_the_defaults_and_flags_over_both(work):
    composition = _config(work, "EXPERIMENT_NAME = 'base'\nPROJECT_NAME = 'audio'\n")
    assert choose_naming(composition) == Naming("base", "audio", Path("experiments/audio/base"))
    assert choose_naming(composition, "run2", "other") == Naming("run2", "other", Path("experiments/other/run2"))
    assert choose_naming(composition, output_dir="out/x") == Naming("base", "audio", Path("out/x"))


def test_an_output_dir_alone_names_the_experiment_after_its_folder(work):
    assert choose_naming(_config(work, "a.b = 1\n"), output_dir="out/trial7").experiment == "trial7"


def test_a_non_literal_macro_is_ignored(work):
    assert choose_naming(_config(work, "PROJECT_NAME = %OTHER\nOTHER = 'x'\n")).project == "my_project"


def test_macros_and_export_carry_the_choice(work, monkeypatch):
    naming = Naming("run1", "p", Path("experiments/p/run1"))
    assert naming.macros() == {"EXPERIMENT_NAME": "run1", "PROJECT_NAME": "p", "OUTPUT_DIR": "experiments/p/run1"}
    for variable in ("GINPIPE_EXPERIMENT_NAME", "GINPIPE_OUTPUT_DIR"):
        monkeypatch.setenv(variable, "")  # restored after the test, which export() does not do
    naming.export()
    monkeypatch.setenv("RANK", "1")  # a DDP rank inherits rank 0's name and folder
    assert choose_naming(_config(work, "EXPERIMENT_NAME = 'other'\n")) == Naming(
        "run1", "my_project", Path("experiments/p/run1"))


@pytest.mark.parametrize("name, problem", [
    ("..", "is `..`, which names a folder outside the experiment"),
    ("a/b", "contains a path separator"),
    (".hidden", "starts with `.` (ginpipe keeps hidden names for its own files)"),
    ("  ", "is empty"),
])
def test_a_name_that_is_not_one_folder_is_refused_naming_the_flag(work, name, problem):
    with pytest.raises(ConfigError) as caught:
        choose_naming(_config(work, "a.b = 1\n"), experiment_name=name)
    assert str(caught.value) == (f"The experiment name {name!r} {problem}: it must be a single folder name.\n"
                                 "Pass a plain name such as --experiment-name run1; to write somewhere else"
                                 " entirely, use --output-dir.")


def test_an_output_dir_that_is_the_working_folder_is_refused(work):
    with pytest.raises(Exception) as caught:
        choose_naming(_config(work, "a.b = 1\n"), output_dir=".")
    assert str(caught.value).startswith(f"--output-dir . is the working folder ({work}): an experiment"
                                        " folder must be a folder of its own")
