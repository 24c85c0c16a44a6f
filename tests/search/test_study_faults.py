"""A study's faults (issue 27): a folder whose records its storage lacks is refused with not one byte
changed (3); a command killed between optuna's ask and the trial's start leaves no trial running for
ever (5); storages that cannot work are refused naming the URL or file, with a fix (8)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.snapshot import Snapshot

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")

REPO = Path(__file__).resolve().parents[2]
STUDY = "experiments/my_project/s"
GRID = ["base.gin", "--search", "quadratic.layers=choice(2, 4, 6)", "--sampler", "grid", "--seed", "1",
        "--objective", "loss", "--direction", "min", "--experiment-name", "s", "-q"]


def _args(trials: int, *extra: str) -> list[str]:
    return [*GRID, "--trials", str(trials), *extra]


def trials_of(project, storage: str | None = None):
    storage = storage or f"sqlite:///{project.root / STUDY / 'study.db'}"
    return optuna.load_study(study_name="my_project/s", storage=storage).get_trials()


# --- class 3: a study folder whose records disagree with its storage -------------------------------------

@pytest.mark.parametrize("change", ["another --storage", "another existing --storage", "study.db deleted",
                                    "study.db emptied", "study.db of another study"])
def test_a_study_whose_storage_lacks_its_trials_is_refused_and_no_byte_changes(project, change):
    project.cli(*_args(2), check=True)
    folder = project.root / STUDY
    db = folder / "study.db"
    extra, storage = [], f"sqlite:///{db}"
    if change == "another --storage":
        storage = f"sqlite:///{project.root / 'other.db'}"
        extra = ["--storage", storage]
    elif change == "another existing --storage":  # a database that holds another study, not this one
        other = [a if a != "s" else "t" for a in GRID]
        storage = f"sqlite:///{project.root / 'other.db'}"
        extra = ["--storage", storage]
        project.cli(*other, "--trials", "1", *extra, check=True)
    elif change == "study.db deleted":
        db.unlink()
    elif change == "study.db emptied":
        db.write_bytes(b"")
    else:  # a study.db copied from another study, whose trial 0 had other parameters
        shutil.rmtree(folder.parent / "t", ignore_errors=True)
        other = [a.replace("choice(2, 4, 6)", "choice(8, 10)") if a != "s" else "t" for a in GRID]
        project.cli(*other, "--trials", "1", check=True)
        connection = sqlite3.connect(folder.parent / "t" / "study.db")
        connection.execute("UPDATE studies SET study_name = 'my_project/s'")
        connection.commit()
        connection.close()
        shutil.copyfile(folder.parent / "t" / "study.db", db)
    other_db = project.root / "other.db"
    before, other_bytes = Snapshot(folder), other_db.read_bytes() if other_db.exists() else None
    done = project.cli(*_args(3), *extra)
    assert done.returncode == 2, done.stderr
    why = {"another --storage": f"its storage {project.root / 'other.db'} does not exist",
           "study.db deleted": f"its storage {db} does not exist",
           "study.db emptied": f"its storage {db} was emptied",
           "another existing --storage": f"its storage {storage} does not hold them: trial-0000 (not in the"
                                         " storage), trial-0001 (not in the storage)",
           "study.db of another study": f"its storage {storage} does not hold them: trial-0000 (other parameters"
                                        " in the storage), trial-0001 (not in the storage)"}[change]
    made_in = " (study.json names it: --storage sqlite:///" + str(db) + ")" if extra else ""
    assert done.stderr == (f"error: The study folder {STUDY} records 2 trial(s), but {why}.\n"
                           f"Run the search with the storage its trials were made in{made_in}, or give this search"
                           " a folder of its own: --experiment-name NAME. Nothing was written.\n")
    assert before.changes() == []  # not one byte of a finished trial (nor of the study's own storage)
    assert (other_db.read_bytes() if other_db.exists() else None) == other_bytes  # nor of the storage it was pointed at
    assert project.calls().count("quadratic") == 2 + (change in ("study.db of another study",
                                                                 "another existing --storage"))


def test_the_original_storage_still_extends_the_study_after_a_refused_one(project):
    project.cli(*_args(2), check=True)
    assert project.cli(*_args(3, "--storage", f"sqlite:///{project.root / 'other.db'}")).returncode == 2
    project.cli(*_args(3), check=True)
    assert [t.state.name for t in trials_of(project)] == ["COMPLETE"] * 3


# --- class 5: killed between optuna's ask and the trial's start -------------------------------------------

KILLED_STUDY = """
import sys
sys.path.append({repo!r})  # after the project's folder: its own `tasks` package, not the repo's reference one
from tests.support.kill_tracer import KillPoint, KillTracer, Target
from ginpipe.cli import main

target = Target("kill point", {function!r}, {file!r})
KillTracer([target], KillPoint("kill point", {call})).install()
sys.exit(main(sys.argv[1:]))
"""

# (function, file suffix, call): the entry of that call kills the study's command
POINTS = {
    "after ask, before its worker is recorded": ("set_user_attr", "optuna/trial/_trial.py", 1),
    "after ask of the second trial": ("set_user_attr", "optuna/trial/_trial.py", 3),
    "after the worker is recorded, before the trial starts": ("start", "ginpipe/sweeps/launchers.py", 1),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_a_study_killed_between_ask_and_the_trials_start_reaches_exactly_n_trials(project, point):
    function, file, call = POINTS[point]
    script = project.root / "killed_study.py"
    script.write_text(KILLED_STUDY.format(repo=str(REPO), function=function, file=file, call=call))
    killed = subprocess.run([sys.executable, str(script), *_args(2)], cwd=project.root, capture_output=True,
                            text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert [t.state.name for t in trials_of(project)][-1] == "RUNNING"
    done = project.cli(*_args(2), check=True)
    trials = trials_of(project)
    assert [t.state.name for t in trials].count("COMPLETE") == 2 and "RUNNING" not in [t.state.name for t in trials]
    dead = [t for t in trials if t.state.name == "FAIL"]
    assert len(dead) == 1
    expected = "the command that asked for it died before starting it" if function == "set_user_attr" else "died"
    assert expected in dead[0].user_attrs["error"]
    assert "2 complete, 1 failed" in done.stdout and "running" not in done.stdout
    complete = [t.params for t in trials if t.state.name == "COMPLETE"]
    assert project.calls().count("quadratic") == 2, complete


# --- class 8: storages and study folders that cannot work ------------------------------------------------

def _storage_cases(root: Path) -> dict[str, tuple[str, str, str]]:
    """case: (--storage value, the error's first line, its hint)."""
    forms = ("Pass --storage as sqlite:///PATH, postgresql://USER@HOST:PORT/DB, mysql://USER@HOST/DB or a"
             " journal file path ending .log.")
    return {
        "unknown scheme": ("foo://host/db", "The study storage foo://host/db is not a storage optuna can open: Can't"
                           " load plugin: sqlalchemy.dialects:foo.", forms),
        "missing driver": ("mysql://me:secret@127.0.0.1:9/db", "Cannot open the study storage mysql://me:***@127.0.0.1:9/db:"
                           " its database driver is not installed (Failed to import DB access module for the"
                           " specified storage URL. Please install appropriate one.).",
                           "Install the driver (postgresql: `pip install psycopg`, mysql: `pip install pymysql`),"
                           " or pass another --storage. " + forms),
        "unreachable server": ("postgresql://me:secret@127.0.0.1:9/db", "Cannot reach the study storage"
                               " postgresql://me:***@127.0.0.1:9/db: connection failed: connection to server at"
                               ' "127.0.0.1", port 9 failed: Connection refused.',
                               "Start the database server (or check the host, port, user, password and database name"
                               " in the URL), or pass another --storage."),
        "a folder that does not exist": (f"sqlite:///{root}/nowhere/s.db", f"The study storage sqlite:///{root}/nowhere/s.db"
                                         f" is in a folder that does not exist: {root}/nowhere.",
                                         f"Create it (mkdir -p {root}/nowhere), or pass another --storage."),
        "a journal in a folder that does not exist": (f"{root}/nowhere/s.log", f"The study storage {root}/nowhere/s.log"
                                                      f" is in a folder that does not exist: {root}/nowhere.",
                                                      f"Create it (mkdir -p {root}/nowhere), or pass another --storage."),
        "a folder": (f"sqlite:///{root}", f"The study storage sqlite:///{root} is a folder, not a database file.",
                     f"Name a file in it: --storage sqlite:///{root}/study.db."),
        "not a database": (f"sqlite:///{root}/base.gin", f"The study storage {root}/base.gin is not a study database:"
                           " file is not a database.",
                           f"If it is another file, pass another --storage. If it was the study's and is damaged,"
                           f" move it aside (mv {root}/base.gin {root}/base.gin.broken) and start the search again"
                           " under its own --experiment-name NAME."),
    }


@pytest.mark.parametrize("case", ["unknown scheme", "missing driver", "unreachable server",
                                  "a folder that does not exist", "a journal in a folder that does not exist",
                                  "a folder", "not a database"])
def test_a_storage_that_cannot_work_is_refused_naming_it_with_a_fix(project, case):
    storage, message, hint = _storage_cases(project.root)[case]
    before = Snapshot(project.root)
    done = project.cli(*_args(2, "--storage", storage))
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: {message}\n{hint}\n"
    assert "Traceback" not in done.stderr
    assert [c for c in before.changes() if not c.startswith("experiments")] == []
    assert project.calls().count("quadratic") == 0


@pytest.mark.parametrize("damage", ["not a database", "truncated"])
def test_a_corrupt_study_db_is_refused_naming_it_and_no_byte_changes(project, damage):
    project.cli(*_args(2), check=True)
    db = project.root / STUDY / "study.db"
    data = db.read_bytes()
    db.write_bytes(b"these are not the bytes of a database\n" * 200 if damage == "not a database" else data[:5000])
    before = Snapshot(project.root / STUDY)
    done = project.cli(*_args(3))
    assert done.returncode == 2, done.stderr
    first, hint = done.stderr.splitlines()[:2]
    assert first.startswith(f"error: The study storage {db} is not a study database: "), done.stderr
    assert hint == (f"If it is another file, pass another --storage. If it was the study's and is damaged, move"
                    f" it aside (mv {db} {db}.broken) and start the search again under its own --experiment-name NAME.")
    assert before.changes() == []


def _read_only(folder: Path, command: list[str]) -> list[str]:
    from tests.bad_inputs.test_run_inputs import _read_only as read_only

    wrapped, how = read_only(folder, command)
    if how != "mount":
        pytest.skip("the read-only cases need root and a private mount namespace")
    return wrapped


@pytest.mark.parametrize("when", ["extending a study", "starting a study"])
def test_a_read_only_experiments_folder_is_refused_naming_it(project, when):
    project.cli(*_args(1), check=True)
    experiments = project.root / "experiments"
    before = Snapshot(experiments)
    name = "s" if when == "extending a study" else "new"
    args = [a if a != "s" else name for a in _args(2)]
    command = _read_only(experiments, [sys.executable, "-m", "ginpipe.cli", *args])
    done = subprocess.run(command, cwd=project.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"error: Cannot write the study folder experiments/my_project/{name}: Read-only file"
                           " system.\nMake it writable, or choose a writable place with --output-dir.\n")
    assert before.changes() == []
    assert project.calls().count("quadratic") == 1


def test_a_read_only_storage_file_is_refused_naming_it(project):
    project.cli(*_args(1), check=True)
    other = project.root / "store"
    other.mkdir()
    shutil.copyfile(project.root / STUDY / "study.db", other / "study.db")
    storage = f"sqlite:///{other / 'study.db'}"
    before = Snapshot(project.root, excluding=["experiments/my_project/s"])
    command = _read_only(other, [sys.executable, "-m", "ginpipe.cli", *_args(2, "--storage", storage)])
    done = subprocess.run(command, cwd=project.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"error: Cannot write the study storage {other / 'study.db'}: Read-only file system.\n"
                           f"Make {other / 'study.db'} (and its folder) writable, or pass another --storage.\n")
    assert before.changes() == []
