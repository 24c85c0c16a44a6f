"""`ginpipe.experiment.run_record`: run.json, true after every task that ran, written once per task."""
import datetime
import json

from ginpipe.experiment.run_record import RunRecord
from ginpipe.experiment.folder_status import read_folder_status


def _read(path):
    return json.loads(path.read_text())


def test_a_run_is_recorded_task_by_task_and_cached_tasks_with_the_next_write(tmp_path):
    path = tmp_path / "run.json"
    record = RunRecord(path, command="ginpipe c.gin", pid=7)
    cached = record.start("01-load", "tasks.load")
    record.finish(cached, "cached", write=False, key="k1")
    assert not path.exists() and record.pending
    running = record.start("02-fit", "tasks.fit")
    record.flush()  # before a task that may run for hours starts
    data = _read(path)
    assert (data["command"], data["pid"], data["status"], data["ended"]) == ("ginpipe c.gin", 7, "running", None)
    assert data["tasks"] == [{"label": "01-load", "task": "tasks.load", "status": "cached", "key": "k1"},
                             {"label": "02-fit", "task": "tasks.fit", "status": "running"}]
    record.finish(running, "done", wall_s=1.5)
    record.end("done")
    data = _read(path)
    assert data["status"] == "done" and data["tasks"][1]["wall_s"] == 1.5
    started, ended = (datetime.datetime.fromisoformat(data[k]) for k in ("started", "ended"))
    assert started.tzinfo is not None and started <= ended
    assert read_folder_status(tmp_path).status == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp", "run.json"]  # staged in .tmp, then renamed


def test_without_a_path_nothing_is_written(tmp_path):
    record = RunRecord(None)
    record.finish(record.start("01-load", "tasks.load"), "done")
    record.end("done")
    assert record.data["tasks"][0]["status"] == "done" and not record.pending
