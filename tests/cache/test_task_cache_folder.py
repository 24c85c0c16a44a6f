"""`ginpipe.cache.task_cache_folder`: records and files of each task, the index pointing only at whole files."""
import json

import pytest

from ginpipe.errors import TaskError
from ginpipe.cache.shared import State
from ginpipe.cache.task_cache_folder import TaskCacheFolder, UnreadableStateFile
from ginpipe.cache.task_keys import TaskRecord


def _saved(folder, label="load", values=None, not_saved=()):
    store = TaskCacheFolder(folder)
    state = State()
    for key, value in (values or {"rows": [1, 2]}).items():
        state.put(key, value, version=f"v-{key}")
    record = TaskRecord("tasks.load", "k1", ["tasks.load"], {}, {k: {"version": f"v-{k}"} for k in state})
    store.save(label, record, state, set(not_saved))
    return store, record


def test_a_saved_task_is_read_back_by_a_new_folder_and_restored_lazily(tmp_path):
    store, record = _saved(tmp_path / "e1")
    index = json.loads((tmp_path / "e1" / "state" / "index.json").read_text())
    assert index["version"] == 1 and list(index["tasks"]) == ["load"]
    again = TaskCacheFolder(tmp_path / "e1")
    assert again.record("load") == record and again.complete(record)
    state = State()
    again.restore(again.record("load"), state)
    assert (state.version("rows"), state.rows) == ("v-rows", [1, 2])


def test_a_key_not_saved_restores_to_a_message_naming_it(tmp_path):
    store, record = _saved(tmp_path / "e1", values={"rows": [1], "conn": 2}, not_saved={"conn"})
    state = State()
    store.restore(record, state)
    with pytest.raises(TaskError) as caught:
        state.conn
    assert str(caught.value) == ("State key 'conn' was not saved (keys_not_saved, or not serialisable), and"
                                 " the task that made it (tasks.load) was restored from the cache.\n"
                                 "Rerun with --no-cache, or --from that task.")


def test_a_damaged_file_is_named_and_dropped_from_the_cache_when_resuming(tmp_path):
    store, record = _saved(tmp_path / "e1")
    path = tmp_path / "e1" / "state" / record.folder / record.writes["rows"]["file"]
    path.write_bytes(b"\x80garbage")
    state = State()
    store.restore(record, state)
    with pytest.raises(UnreadableStateFile) as caught:
        state.rows
    assert caught.value.message.startswith(f"The cached state file {path} (key 'rows' of task `load`) cannot be read: ")
    assert caught.value.hint == "Make it again: rerun that experiment's command with --from load."
    store.restore(record, state, resume="Fix the cause, then resume: ginpipe c.gin --resume")
    with pytest.raises(UnreadableStateFile) as caught:
        state.rows
    assert caught.value.hint == "It is dropped from the cache, so `load` runs again. Resume: ginpipe c.gin --resume"
    assert TaskCacheFolder(tmp_path / "e1").record("load") is None


def test_a_missing_file_makes_the_record_incomplete(tmp_path):
    store, record = _saved(tmp_path / "e1")
    (tmp_path / "e1" / "state" / record.folder / record.writes["rows"]["file"]).unlink()
    assert not TaskCacheFolder(tmp_path / "e1").complete(record)


def test_siblings_of_the_same_project_are_candidates_after_its_own_record(tmp_path):
    _saved(tmp_path / "e1")
    store = TaskCacheFolder(tmp_path / "e2")
    assert [s.name for s, _ in store.candidates("load")] == ["e1"]
    assert list(store.candidates("load", siblings=False)) == []
    _saved(tmp_path / "e2")
    assert [s.name for s, _ in TaskCacheFolder(tmp_path / "e2").candidates("load")] == ["e2", "e1"]


def test_an_adopted_record_links_the_siblings_files_and_is_indexed_on_write_adopted(tmp_path):
    source, record = _saved(tmp_path / "e1")
    store = TaskCacheFolder(tmp_path / "e2")
    adopted = store.adopt("load", record, source)
    assert store.complete(adopted) and not (tmp_path / "e2" / "state" / "index.json").exists()
    store.write_adopted()
    assert TaskCacheFolder(tmp_path / "e2").record("load") == adopted
    state = State()
    store.restore(adopted, state)
    assert state.rows == [1, 2]


def test_prune_forgets_tasks_no_longer_in_the_pipeline_and_their_files(tmp_path):
    store, record = _saved(tmp_path / "e1")
    _saved(tmp_path / "e1", label="fit")
    store = TaskCacheFolder(tmp_path / "e1")
    store.prune({"fit"})
    assert list(TaskCacheFolder(tmp_path / "e1").records) == ["fit"]
    assert not (tmp_path / "e1" / "state" / record.folder).exists()
