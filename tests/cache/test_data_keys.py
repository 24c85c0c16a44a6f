"""Data on disk is part of a task's key: files added, removed, replaced or touched in a folder a
binding names (a reader's `root`, a task's `path`) or a task declared rerun the tasks that read it,
in the same experiment and in a new one, and `--dry-run` says where the data changed."""
import os

import pytest

from tests.support.projects import make_project

READERS = '''
import os
from pathlib import Path

import gin

from ginpipe.io import declare_input


def read_dir(root):
    folder = Path(root)
    return sorted(str(p.relative_to(folder)) + ":" + p.read_text() for p in folder.rglob("*.wav"))


def load_dataset(state, reader_fn=()):
    state["files"] = [f for reader in reader_fn for f in reader()]


def count(state):
    with open("calls.log", "a") as log:
        log.write("count\\n")
    state["n"] = len(state["files"])


def read_labels(state, split="train"):
    path = f"labels/{split}.csv"  # a name the runner cannot see in the bindings
    declare_input(path)
    state["labels"] = Path(path).read_text().split()


def unrelated(state):
    state["x"] = 1
'''

CONFIG = """
execute_pipeline.tasks = [@load_dataset, @count]
load_dataset.reader_fn = [@read_dir]
read_dir.root = 'sounds'
"""


@pytest.fixture(name="project")
def data_project(tmp_path, monkeypatch):
    for p in make_project(tmp_path, monkeypatch, CONFIG, steps=READERS):
        for label in ("siren", "dog"):
            for i in range(3):
                p.write(f"sounds/{label}/{label}_{i}.wav", f"{label}{i}")
        yield p


def run(project, *args, name="e"):
    done = project.cli("base.gin", "--experiment-name", name, *args)
    assert done.returncode == 0, done.stderr
    return project.statuses(name)


def plan(project, name="e"):
    done = project.cli("base.gin", "--experiment-name", name, "--dry-run", "--resume")
    assert done.returncode == 0, done.stderr
    return [line.strip() for line in done.stdout.split("# Plan for", 1)[1].splitlines()[1:]]


def add_files(project):
    for i in range(3, 8):
        project.write(f"sounds/siren/siren_{i}.wav", f"siren{i}")


def remove_file(project):
    (project.root / "sounds/dog/dog_0.wav").unlink()


def replace_same_size(project):
    path = project.root / "sounds/dog/dog_1.wav"
    stat = path.stat()
    path.write_text("DOG1")  # other content, the same size
    assert path.stat().st_size == stat.st_size


def touch(project):
    path = project.root / "sounds/siren/siren_0.wav"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))


CHANGES = {
    add_files: "run     01-load_dataset  (inputs changed: data changed: sounds/siren (+5 files))",
    remove_file: "run     01-load_dataset  (inputs changed: data changed: sounds/dog (-1 file))",
    replace_same_size: "run     01-load_dataset  (inputs changed: data changed: sounds/dog (files replaced or touched))",
    touch: "run     01-load_dataset  (inputs changed: data changed: sounds/siren (files replaced or touched))",
}


@pytest.mark.parametrize("change", list(CHANGES), ids=lambda f: f.__name__)
def test_a_changed_data_folder_reruns_its_readers_in_the_same_experiment(project, change):
    run(project)
    assert set(run(project, "--resume").values()) == {"cached"}
    change(project)
    lines = plan(project)
    assert lines[0] == CHANGES[change]
    assert lines[1] == "run     02-count  (inputs changed: `files` changed (01-load_dataset reruns))"
    assert run(project, "--resume") == {"01-load_dataset": "done", "02-count": "done"}
    assert set(run(project, "--resume").values()) == {"cached"}  # and the new listing is kept


@pytest.mark.parametrize("change", list(CHANGES), ids=lambda f: f.__name__)
def test_a_new_experiment_does_not_adopt_a_siblings_task_over_changed_data(project, change):
    run(project, name="first")
    assert run(project, name="same") == {"01-load_dataset": "cached from first", "02-count": "cached from first"}
    change(project)
    lines = plan(project, name="newdata")
    detail = CHANGES[change].split("inputs changed: ")[1][:-1]
    assert lines[0] == f"run     01-load_dataset  (never ran; experiment same's differs: {detail})"
    assert run(project, name="newdata") == {"01-load_dataset": "done", "02-count": "done"}


def test_the_count_is_right_after_files_are_added(project):
    from ginpipe import load_state
    run(project, name="first")
    add_files(project)
    run(project, name="newdata")
    assert load_state(project.exp("newdata"))["n"] == 11
    assert load_state(project.exp("first"))["n"] == 6


def test_a_declared_input_is_fingerprinted_at_the_next_plan(project):
    project.write("base.gin", "execute_pipeline.tasks = [@read_labels, @unrelated]\n")
    project.write("labels/train.csv", "a b c")
    assert run(project) == {"01-read_labels": "done", "02-unrelated": "done"}
    assert set(run(project, "--resume").values()) == {"cached"}
    project.write("labels/train.csv", "a b c d")
    assert plan(project)[0] == "run     01-read_labels  (inputs changed: data changed: labels/train.csv (modified))"
    assert run(project, "--resume") == {"01-read_labels": "done", "02-unrelated": "cached"}
    from ginpipe import load_state
    assert load_state(project.exp("e"))["labels"] == ["a", "b", "c", "d"]


def test_an_unchanged_folder_and_unrelated_files_keep_the_cache(project):
    run(project)
    project.write("notes.txt", "not data")
    project.write("sounds/.DS_Store", "hidden files are not data")
    assert set(run(project, "--resume").values()) == {"cached"}


def test_paths_that_are_not_data_are_not_listed(project):
    # the project folder itself ('.' holds the experiments, which change every run) and marked caches
    project.write("base.gin", CONFIG.replace("'sounds'", "'.'"))
    run(project)
    assert set(run(project, "--resume").values()) == {"cached"}


def test_a_path_given_through_a_macro_or_a_list_is_data_too(project):
    project.write("base.gin", "DATA = 'sounds'\nexecute_pipeline.tasks = [@load_dataset, @count]\n"
                              "load_dataset.reader_fn = [@a/read_dir, @b/read_dir]\n"
                              "a/read_dir.root = %DATA\nb/read_dir.root = 'more'\n")
    project.write("more/x/x_0.wav", "x")
    run(project)
    add_files(project)
    assert plan(project)[0] == "run     01-load_dataset  (inputs changed: data changed: sounds/siren (+5 files))"
    assert set(run(project, "--resume").values()) == {"done"}
    project.write("more/x/x_1.wav", "x")
    assert plan(project)[0] == "run     01-load_dataset  (inputs changed: data changed: more/x (+1 file))"
