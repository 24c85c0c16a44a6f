"""Where a run may write and what it may delete: refused places, names and --overwrite targets.

Every refusal exits 2 with a message naming the folder or name and a fix that works, no traceback,
and not one byte of the whole temporary tree (the project, its experiments, a fake home folder and a
user folder beside them) changes.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from folder_snapshot import Snapshot
from tree_checks import assert_clean_refusal

NOT_OURS = "was not created by ginpipe as an experiment (no .ginpipe-experiment marker)"
NEW_FOLDER = "Pass a new folder, e.g. --output-dir experiments/my_project/run1."
ONE_NAME = "it must be a single folder name."


@dataclass(frozen=True)
class Case:
    id: str
    args: list[str]  # after `ginpipe base.gin`; {root} is the project, {home} the fake home folder
    message: str
    hint: str = ""
    setup: Callable[[Path], None] | None = None


def _user_folder(root: Path) -> None:
    (root / "mydata").mkdir()
    (root / "mydata" / "thesis.tex").write_text("years of work\n")


def _link_to_project(root: Path) -> None:
    (root / "link").symlink_to(root, target_is_directory=True)


def _link_to_experiments(root: Path) -> None:
    (root / "elink").symlink_to(root / "experiments", target_is_directory=True)


def _legacy_copy(root: Path) -> None:  # an experiment of an older ginpipe: no marker
    shutil.copytree(root / "experiments/my_project/keep", root / "experiments/my_project/legacy", symlinks=True)
    (root / "experiments/my_project/legacy/.ginpipe-experiment").unlink()


def _nested_experiment(root: Path) -> None:
    shutil.copytree(root / "experiments/my_project/keep", root / "experiments/my_project/keep/inner/x")


def _linked_marker(root: Path) -> None:  # a marker that is a link does not make a folder ours
    _user_folder(root)
    (root / "mydata" / ".ginpipe-experiment").symlink_to(root / "experiments/my_project/keep/.ginpipe-experiment")


def _a_file(root: Path) -> None:
    (root / "afile").write_text("not a folder\n")


CASES = [
    Case("output-dir is the working folder", ["--output-dir", "."],
         "--output-dir . is the working folder", NEW_FOLDER),
    Case("output-dir . with --overwrite", ["--output-dir", ".", "--overwrite"],
         "--output-dir . is the working folder", NEW_FOLDER),
    Case("output-dir .. with --overwrite", ["--output-dir", "..", "--overwrite"],
         "--output-dir .. contains the working folder", NEW_FOLDER),
    Case("output-dir ../.. with --overwrite", ["--output-dir", "../..", "--overwrite"],
         "--output-dir ../.. contains the working folder", NEW_FOLDER),
    Case("output-dir the absolute project root", ["--output-dir", "{root}", "--overwrite"],
         "is the working folder", NEW_FOLDER),
    Case("output-dir the file-system root", ["--output-dir", "/", "--overwrite"],
         "--output-dir / contains the working folder", NEW_FOLDER),
    Case("output-dir the home folder", ["--output-dir", "{home}", "--overwrite"],
         "is your home folder", NEW_FOLDER),
    Case("output-dir a link to the project", ["--output-dir", "link", "--overwrite"],
         "--output-dir link is the working folder", NEW_FOLDER, _link_to_project),
    Case("output-dir a folder holding experiments", ["--output-dir", "experiments", "--overwrite"],
         "--output-dir experiments holds other experiments", "Pass one experiment's own folder", None),
    Case("output-dir a project folder", ["--output-dir", "experiments/my_project"],
         "--output-dir experiments/my_project holds other experiments", "experiments/my_project/run1"),
    Case("output-dir a link to the experiments", ["--output-dir", "elink", "--overwrite"],
         "--output-dir elink holds other experiments", "Pass one experiment's own folder", _link_to_experiments),
    Case("output-dir inside an experiment", ["--output-dir", "experiments/my_project/keep/sub"],
         "is inside the experiment", "Pass a folder outside every experiment"),
    Case("output-dir a user's folder", ["--output-dir", "mydata"],
         f"mydata exists and {NOT_OURS}; it holds thesis.tex", "Choose a new or empty folder", _user_folder),
    Case("output-dir a user's folder with --overwrite", ["--output-dir", "mydata", "--overwrite"],
         f"mydata exists and {NOT_OURS}; it holds thesis.tex", "Choose a new or empty folder", _user_folder),
    Case("a marker that is a link", ["--output-dir", "mydata", "--overwrite"],
         f"mydata exists and {NOT_OURS}", "Choose a new or empty folder", _linked_marker),
    Case("output-dir a file", ["--output-dir", "afile"], "afile exists and is a file, not a folder",
         "Choose another --experiment-name or --output-dir.", _a_file),
    Case("--overwrite of an unmarked older experiment", ["--experiment-name", "legacy", "--overwrite"],
         f"--overwrite refused: experiments/my_project/legacy {NOT_OURS}", "Run without --overwrite",
         _legacy_copy),
    Case("--overwrite of an experiment holding another", ["--experiment-name", "keep", "--overwrite"],
         "--overwrite refused: experiments/my_project/keep holds other experiments",
         "Move them out first", _nested_experiment),
    Case("experiment name ..", ["--experiment-name", "..", "--overwrite"],
         "The experiment name '..' is `..`", ONE_NAME),
    Case("experiment name .", ["--experiment-name", "."], "The experiment name '.' is `.`", ONE_NAME),
    Case("experiment name ../../x", ["--experiment-name", "../../x"],
         "The experiment name '../../x' contains a path separator", ONE_NAME),
    Case("experiment name a/b", ["--experiment-name", "a/b"], "'a/b' contains a path separator", ONE_NAME),
    Case("experiment name absolute", ["--experiment-name", "/tmp/x", "--overwrite"],
         "'/tmp/x' contains a path separator", ONE_NAME),
    Case("experiment name hidden", ["--experiment-name", ".state"], "'.state' starts with `.`", ONE_NAME),
    Case("project name ..", ["--project-name", "..", "--overwrite"], "The project name '..' is `..`",
         "--project-name run1"),
    Case("project name nested", ["--project-name", "a/b"], "The project name 'a/b' contains a path separator",
         ONE_NAME),
    Case("EXPERIMENT_NAME macro ..", ["--mods", "EXPERIMENT_NAME='..'"], "The experiment name '..'", ONE_NAME),
    Case("OUTPUT_DIR macro .", ["--mods", "OUTPUT_DIR='.'"], "The experiment folder . is the working folder",
         NEW_FOLDER),
    Case("dry run of a refused output-dir", ["--output-dir", ".", "--overwrite", "--dry-run"],
         "--output-dir . is the working folder", NEW_FOLDER),
    Case("dry run of a different config", ["--experiment-name", "keep", "--mods", "double.factor=5", "--dry-run"],
         "Experiment experiments/my_project/keep already exists with a different config", "Pass --resume"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_places_and_names_change_no_byte_anywhere(project, case, tmp_path):
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "letter.txt").write_text("dear\n")
    if case.setup:
        case.setup(project.root)
    tree = Snapshot(tmp_path)
    args = [a.replace("{root}", str(project.root)).replace("{home}", str(home)) for a in case.args]
    done = project.cli("base.gin", *args, env={"HOME": str(home)})
    assert_clean_refusal(done, case.message, case.hint)
    assert tree.changes() == []


def test_overwrite_empties_a_marked_experiment_and_nothing_else(project, tmp_path):
    (project.root / "mydata").mkdir()
    (project.root / "mydata" / "thesis.tex").write_text("years of work\n")
    keep = project.exp("keep")
    (keep / "notes.txt").symlink_to(project.root / "mydata" / "thesis.tex")  # a link inside is unlinked only
    outside = Snapshot(tmp_path, excluding=[keep])
    done = project.cli("base.gin", "--experiment-name", "keep", "--overwrite", "--mods", "double.factor=5", "-q")
    assert done.returncode == 0, done.stderr
    assert outside.changes() == []
    assert (project.root / "mydata" / "thesis.tex").read_text() == "years of work\n"
    assert not (keep / "notes.txt").exists() and (keep / ".ginpipe-experiment").is_file()
    assert set(project.statuses("keep").values()) == {"done"}


def test_tmp_cleaning_removes_only_ginpipe_temporaries(project):
    tmp = project.exp("keep") / ".tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / ".tmp-123-0-x.pkl.partial").write_bytes(b"half")  # what a killed run leaves
    (tmp / "mine.txt").write_text("a user's file\n")
    done = project.cli("base.gin", "--experiment-name", "keep", "-q")
    assert done.returncode == 0, done.stderr
    assert not (tmp / ".tmp-123-0-x.pkl.partial").exists()
    assert (tmp / "mine.txt").read_text() == "a user's file\n"


def test_checkpoints_are_set_aside_only_inside_a_marked_experiment(tmp_path):
    from ginpipe.errors import ExperimentError
    from ginpipe.folder_safety import check_removable, mark
    user = tmp_path / "models" / "checkpoints"
    user.mkdir(parents=True)
    with pytest.raises(ExperimentError, match="not inside a folder ginpipe created as an experiment"):
        check_removable(user)
    mark(tmp_path / "models")
    assert check_removable(user) == (tmp_path / "models").resolve()
    with pytest.raises(ExperimentError):
        check_removable(tmp_path / "models")  # never the experiment folder itself
    assert os.listdir(user) == []
