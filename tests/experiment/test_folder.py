"""`ginpipe.experiment.folder`: a run opens a folder only when that keeps earlier results safe."""
import pytest

from ginpipe.errors import ExperimentError
from ginpipe.experiment.folder import Experiment
from ginpipe.experiment.folder_safety import MARKER
from ginpipe.files import TMP_PREFIX


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "work" / "experiments" / "p" / "run1"


def _opened(folder, config="a.b = 1\n", **flags):
    experiment = Experiment(folder)
    experiment.open(config, **flags)
    experiment.close()
    return experiment


def test_a_new_folder_is_marked_and_holds_the_config(folder):
    _opened(folder)
    assert sorted(p.name for p in folder.iterdir()) == [".ginpipe-experiment", ".lock", ".tmp", "config.gin"]
    assert (folder / "config.gin").read_text() == "a.b = 1\n"


def test_a_different_config_is_refused_with_a_diff_unless_resumed(folder):
    _opened(folder)
    refusal = Experiment(folder).refusal("a.b = 2\n")
    assert refusal.message == (f"Experiment {folder} already exists with a different config:\n"
                               f"--- {folder / 'config.gin'} (saved)\n+++ this run\n@@ -1 +1 @@\n-a.b = 1\n+a.b = 2")
    assert refusal.hint.startswith("Pass --resume to reuse what is still valid and rerun what changed,"
                                   " --overwrite to start it afresh")
    assert Experiment(folder).refusal("a.b = 1\n") is None
    _opened(folder, "a.b = 2\n", resume=True)
    assert (folder / "config.gin").read_text() == "a.b = 2\n"


def test_resume_and_overwrite_together_contradict(folder):
    assert str(Experiment(folder).refusal("", resume=True, overwrite=True)) == (
        "--resume and --overwrite contradict each other: pass one of them.")


def test_a_folder_ginpipe_did_not_make_is_never_written_nor_emptied(folder):
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(ExperimentError) as caught:
            Experiment(folder).open("a.b = 1\n", overwrite=overwrite)
        assert caught.value.message == (
            f"{folder} exists and was not created by ginpipe as an experiment (no {MARKER} marker); it holds"
            " notes.txt. ginpipe never writes into or empties such a folder, not even with --overwrite.")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_overwrite_empties_a_marked_folder_but_keeps_its_marker(folder):
    _opened(folder)
    (folder / "state").mkdir()
    (folder / "state" / "x.pkl").write_bytes(b"1")
    _opened(folder, "a.b = 2\n", overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == [".ginpipe-experiment", ".lock", ".tmp", "config.gin"]


def test_overwrite_is_refused_when_the_folder_holds_another_experiment(folder):
    _opened(folder)
    inner = folder / "nested"
    inner.mkdir()
    (inner / MARKER).write_text("{}")
    assert Experiment(folder).refusal("a.b = 1\n", overwrite=True).message == (
        f"--overwrite refused: {folder} holds other experiments ({inner}).")


def test_a_file_in_place_of_the_folder_is_refused(folder):
    folder.parent.mkdir(parents=True)
    folder.write_text("")
    assert Experiment(folder).refusal("").message == f"{folder} exists and is a file, not a folder."


def test_a_folder_in_use_is_refused_and_left_as_it_was(folder):
    first = Experiment(folder)
    first.open("a.b = 1\n")
    try:
        before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        with pytest.raises(ExperimentError) as caught:
            Experiment(folder).open("a.b = 1\n", resume=True)
        assert caught.value.message.startswith("Another run (pid ")
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    finally:
        first.close()


def test_opening_removes_only_ginpipes_temporaries_from_tmp(folder):
    _opened(folder)
    tmp = folder / ".tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / f"{TMP_PREFIX}1-0-x.partial").write_bytes(b"")
    (tmp / "mine.txt").write_bytes(b"")
    _opened(folder, resume=True)
    assert [p.name for p in tmp.iterdir()] == ["mine.txt"]
