"""`ginpipe.experiment.statuses`: each status is the very string on disk, so old folders still read."""
import json

from ginpipe.experiment.folder_status import read_folder_status
from ginpipe.experiment.statuses import Action, MemberStatus, RunStatus, TaskStatus, TrialState


def test_members_are_the_strings_ginpipe_writes():
    assert [s.value for s in RunStatus] == ["running", "done", "failed", "interrupted", "pruned", "unknown"]
    assert [s.value for s in TaskStatus] == ["running", "done", "cached", "failed", "interrupted"]
    assert [s.value for s in MemberStatus] == ["done", "skipped", "failed"]
    assert [s.value for s in TrialState] == ["complete", "pruned", "failed", "running", "waiting"]
    assert [s.value for s in Action] == ["run", "cached", "nested", "decide"]
    assert RunStatus.DONE == "done" and f"{TaskStatus.CACHED}" == "cached"
    assert json.dumps({"status": RunStatus.FAILED}) == '{"status": "failed"}'


def test_every_state_a_folder_reads_as_is_a_run_status(tmp_path):
    for written in ("done", "failed", "running", None):
        (tmp_path / "run.json").write_text(json.dumps({"status": written} if written else {}))
        assert read_folder_status(tmp_path).status in set(RunStatus)
