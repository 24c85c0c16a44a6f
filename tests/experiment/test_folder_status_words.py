"""`read_folder_status` speaks `RunStatus`; the public `ginpipe.io.read_run_state(...).state` still reads."""
import json

import pytest

from ginpipe.experiment.folder_status import read_folder_status
from ginpipe.experiment.statuses import RunStatus
from ginpipe.io import read_run_state


@pytest.mark.parametrize("written, read", [("done", RunStatus.DONE), ("failed", RunStatus.FAILED),
                                           ("running", RunStatus.INTERRUPTED),  # no live run holds the lock
                                           ("pruned", RunStatus.PRUNED), ("sideways", RunStatus.UNKNOWN),
                                           (["done"], RunStatus.UNKNOWN)])
def test_the_status_is_a_run_status_member(tmp_path, written, read):
    (tmp_path / "run.json").write_text(json.dumps({"status": written, "tasks": []}))
    status = read_folder_status(tmp_path)
    assert status.status is read
    assert read_run_state(tmp_path).state is read and read_run_state(tmp_path).state == str(read)
