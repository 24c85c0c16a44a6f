"""`ginpipe.files`: atomic writes leave a complete file or none, never a temporary behind."""
import errno
import json

import pytest

from ginpipe.files import TMP_PREFIX, atomic_write, read_json, write_json, write_text


def test_write_text_makes_the_folders_and_replaces_the_file(tmp_path):
    path = tmp_path / "a" / "b" / "out.txt"
    assert write_text(path, "one") == path
    write_text(path, "two")
    assert path.read_text() == "two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.txt"]


def test_write_json_is_indented_with_a_final_newline_and_str_for_other_values(tmp_path):
    path = write_json(tmp_path / "m.json", {"a": 1, "p": tmp_path / "x"}, durable=False)
    assert path.read_text() == json.dumps({"a": 1, "p": str(tmp_path / "x")}, indent=2) + "\n"


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_text(tmp_path / "out.txt", "old")

    def fail(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_write_error_without_a_file_name_names_the_file_being_written(tmp_path):
    def disk_full(f):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        atomic_write(tmp_path / "out.bin", disk_full)
    assert (caught.value.errno, caught.value.strerror, caught.value.filename) == (
        errno.ENOSPC, "No space left on device", str(tmp_path / "out.bin"))
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_lives_in_tmp_dir_under_a_hidden_partial_name(tmp_path):
    staging, seen = tmp_path / "staging", []

    def write(f):
        seen.extend(p.name for p in staging.iterdir())
        f.write(b"x")

    atomic_write(tmp_path / "state" / "v.pkl", write, tmp_dir=staging, durable=False)
    assert len(seen) == 1 and seen[0].startswith(TMP_PREFIX) and seen[0].endswith("-v.pkl.partial")
    assert list(staging.iterdir()) == []
    assert (tmp_path / "state" / "v.pkl").read_bytes() == b"x"


def test_read_json_gives_the_default_for_missing_invalid_or_blocked_files(tmp_path):
    (tmp_path / "bad.json").write_text('{"a": ')
    (tmp_path / "file").write_text("")
    assert read_json(tmp_path / "missing.json", default={}) == {}
    assert read_json(tmp_path / "bad.json", default="d") == "d"
    assert read_json(tmp_path / "file" / "x.json") is None  # a file where a folder should be
    write_json(tmp_path / "ok.json", [1, "two"], durable=False)
    assert read_json(tmp_path / "ok.json") == [1, "two"]
