"""`ginpipe.experiment.lock`: one run per folder, and who holds it, asked without taking it."""
import os

import pytest

from ginpipe.errors import ExperimentError
from ginpipe.experiment.lock import LOCK, FolderLock, lock_holder


def test_no_lock_file_and_a_released_lock_have_no_holder(tmp_path):
    assert lock_holder(tmp_path) is None
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert lock_holder(tmp_path) == os.getpid()
    lock.claim()
    lock.release()
    assert lock_holder(tmp_path) is None
    assert (tmp_path / LOCK).read_text() == str(os.getpid())  # the last run's pid stays


def test_a_second_acquire_is_refused_naming_the_holder(tmp_path):
    first = FolderLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(ExperimentError) as caught:
            FolderLock(tmp_path).acquire()
        assert str(caught.value) == (f"Another run (pid {os.getpid()}) is using {tmp_path}.\n"
                                     "Wait for it to finish, or use another --experiment-name.")
        assert lock_holder(tmp_path) == os.getpid()  # asking did not take it
    finally:
        first.release()


def test_a_run_released_before_claiming_puts_the_previous_pid_back(tmp_path):
    (tmp_path / LOCK).write_text("12345")
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert (tmp_path / LOCK).read_text() == str(os.getpid())
    lock.release()
    assert (tmp_path / LOCK).read_text() == "12345"
    lock.release()  # a second release is harmless


def test_a_lock_file_left_by_a_dead_run_has_no_holder(tmp_path):
    (tmp_path / LOCK).write_text("999999")
    assert lock_holder(tmp_path) is None
