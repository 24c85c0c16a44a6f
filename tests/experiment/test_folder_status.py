"""`ginpipe.experiment.folder_status`: a folder's status from run.json, corrected by its lock."""
import datetime
import json
import os

import pytest

from ginpipe.experiment.lock import FolderLock
from ginpipe.experiment.folder_status import FolderStatus, read_folder_status


def _run(folder, **run):
    (folder / "run.json").write_text(json.dumps(run))


def test_a_folder_without_run_json_is_unknown_with_no_problem(tmp_path):
    assert read_folder_status(tmp_path) == FolderStatus(tmp_path, "unknown", None, None, None, None)


def test_a_finished_run_reports_its_status_pid_last_task_and_age(tmp_path):
    ended = (datetime.datetime.now().astimezone() - datetime.timedelta(hours=2, minutes=5)).isoformat()
    _run(tmp_path, status="done", pid=42, ended=ended, tasks=[{"label": "load", "status": "cached"},
                                                             {"label": "fit", "status": "done"}])
    state = read_folder_status(tmp_path)
    assert (state.status, state.pid, state.last_task, state.problem) == ("done", 42, "fit (done)", None)
    assert state.describe_age() == "2 h ago"


def test_running_without_a_lock_holder_is_interrupted_in_the_task_that_ran(tmp_path):
    _run(tmp_path, status="running", pid=42, tasks=[{"label": "fit", "status": "running"}])
    assert read_folder_status(tmp_path).status == "interrupted"
    assert read_folder_status(tmp_path).last_task == "fit (interrupted)"
    _run(tmp_path, status="running", tasks=[{"label": "load", "status": "done"}])
    assert read_folder_status(tmp_path).last_task == "after load"  # the next task was never journaled


def test_a_live_lock_holder_makes_it_running_with_its_pid(tmp_path):
    _run(tmp_path, status="failed", pid=42)
    lock = FolderLock(tmp_path)
    lock.acquire()
    try:
        state = read_folder_status(tmp_path)
    finally:
        lock.release()
    assert (state.status, state.pid) == ("running", os.getpid())


@pytest.mark.parametrize("text, problem", [
    ("{", "is not valid JSON"),
    ("null", "holds null, not a JSON object"),
    ("[1]", "holds a list, not a JSON object"),
    ('{"status": 3}', "has a number as its 'status'"),
    ('{"tasks": {"a": 1}}', "has an object as its 'tasks'"),
    ('{"tasks": [{"status": "done"}]}', "has a list as its 'tasks'"),
    ('{"pid": "12"}', "has a string as its 'pid'"),
])
def test_a_run_json_ginpipe_did_not_write_is_unknown_and_says_why(tmp_path, text, problem):
    (tmp_path / "run.json").write_text(text)
    state = read_folder_status(tmp_path)
    assert (state.status, state.problem) == ("unknown", f"{tmp_path / 'run.json'} {problem}")


@pytest.mark.parametrize("age, shown", [(None, "-"), (59.9, "59 s ago"), (60, "1 min ago"),
                                        (3 * 86400 + 5, "3 d ago")])
def test_describe_age_uses_the_largest_whole_unit(tmp_path, age, shown):
    assert FolderStatus(tmp_path, "done", None, None, age).describe_age() == shown
