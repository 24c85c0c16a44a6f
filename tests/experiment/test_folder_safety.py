"""`ginpipe.experiment.folder_safety`: ginpipe writes and deletes only inside folders it marked."""
import pytest

from ginpipe.errors import ConfigError, ExperimentError
from ginpipe.experiment.folder_safety import (MARKER, check_location, check_name, check_removable, is_marked, mark,
                                              marked_experiment_of, nested_experiments)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "work"


def test_a_marker_is_a_regular_file_never_a_link(tmp_path):
    assert not is_marked(tmp_path)
    (tmp_path / "real").mkdir()
    mark(tmp_path / "real")
    assert is_marked(tmp_path / "real")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / MARKER).symlink_to(tmp_path / "real" / MARKER)
    assert not is_marked(tmp_path / "linked")


def test_removable_only_strictly_inside_a_marked_experiment(work):
    experiment = work / "experiments" / "p" / "e1"
    (experiment / "state").mkdir(parents=True)
    mark(experiment)
    assert check_removable(experiment / "state") == experiment
    assert marked_experiment_of(experiment / "state" / "x.pkl") == experiment
    for path in (experiment, work / "notes"):
        with pytest.raises(ExperimentError) as caught:
            check_removable(path)
        assert caught.value.message == (f"Refusing to delete or move {path}: it is not inside a folder ginpipe"
                                        f" created as an experiment (no {MARKER} marker above it).")


def test_an_experiment_may_not_be_the_working_folder_nor_above_it_nor_inside_another(work):
    with pytest.raises(ExperimentError) as caught:
        check_location(work.parent)
    assert caught.value.message.startswith(f"--output-dir {work.parent} contains the working folder ({work})")
    experiment = work / "experiments" / "e1"
    experiment.mkdir(parents=True)
    mark(experiment)
    with pytest.raises(ExperimentError) as caught:
        check_location(experiment / "inner", "--experiment-name")
    assert caught.value.message == (f"--experiment-name {experiment / 'inner'} is inside the experiment {experiment}:"
                                    " an --overwrite of that experiment would delete it.")
    with pytest.raises(ExperimentError) as caught:
        check_location(work / "experiments")
    assert caught.value.message == (f"--output-dir {work / 'experiments'} holds other experiments ({experiment}):"
                                    " it is a project folder, not an experiment.")
    check_location(work / "experiments" / "e2")
    assert nested_experiments(work) == [experiment]


@pytest.mark.parametrize("name", ["run1", "seed-3", "a.b"])
def test_plain_names_pass(name):
    check_name("experiment", name, "--experiment-name")


def test_a_nul_character_is_refused():
    with pytest.raises(ConfigError, match=r"^The project name 'a\\x00b' contains a NUL character: it must be a single"):
        check_name("project", "a\0b", "--project-name")
