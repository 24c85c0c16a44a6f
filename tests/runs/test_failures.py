"""`ginpipe.runs.failures`: the command that resumes a failed run, as a person can paste it."""
import errno
from pathlib import Path

import pytest

from ginpipe.errors import ConfigError, ExperimentError
from ginpipe.experiment.naming import Naming
from ginpipe.runs.failures import in_python, resume_hint, resume_only, write_error

NAMING = Naming("2026-12-04_10-00-00", "p", Path("experiments/p/2026-12-04_10-00-00"))
FIX = "Fix the cause, then resume (finished tasks come from the cache) with:\n    "


@pytest.mark.parametrize("command, resumed", [
    ("ginpipe c.gin", "ginpipe c.gin --experiment-name 2026-12-04_10-00-00 --resume"),
    ("ginpipe c.gin --experiment-name e1 --resume", "ginpipe c.gin --experiment-name e1 --resume"),
    ("ginpipe c.gin --overwrite --no-cache --from fit --output-dir out", "ginpipe c.gin --output-dir out --resume"),
    ("ginpipe c.gin --from=fit --mods \"m.act='relu'\" --experiment_name e1",
     "ginpipe c.gin --mods \"m.act='relu'\" --experiment_name e1 --resume"),
])
def test_the_resume_command_keeps_the_run_and_drops_what_reruns_finished_tasks(command, resumed):
    assert resume_hint(command, NAMING) == FIX + resumed


def test_a_reproduction_is_reproduced_again_into_a_new_folder():
    assert resume_hint("ginpipe reproduce experiments/p/e1 --experiment-name e1__reproduced -q", NAMING) == (
        "Fix the cause, then reproduce again (into a new folder) with:\n    ginpipe reproduce experiments/p/e1 -q")


def test_without_a_command_line_the_hint_speaks_python():
    assert resume_hint(None, NAMING) == ("Fix the cause and run again with experiment_name='2026-12-04_10-00-00',"
                                         " resume=True: finished tasks come from the cache.")
    assert resume_only(FIX + "ginpipe c.gin --resume") == (
        "Resume (finished tasks come from the cache) with:\n    ginpipe c.gin --resume")
    assert resume_only("") is None


def test_flags_in_an_error_are_told_as_keyword_arguments_to_python_callers():
    error = ConfigError("--resume and --overwrite contradict each other.", hint="Pass --from fit or --mods X=1,"
                        " not --no-cache; --experiment-name-like words stay.")
    spoken = in_python(error)
    assert str(spoken) == ("resume=True and overwrite=True contradict each other.\nPass from_task='fit' or mods X=1,"
                           " not no_cache=True; --experiment-name-like words stay.")
    assert str(error).startswith("--resume")  # the original is left as it was


def test_a_failed_write_names_the_folder_not_the_staged_temporary(tmp_path):
    staged = tmp_path / "e1" / ".tmp" / ".tmp-1-0-x.partial"
    error = write_error(OSError(errno.ENOSPC, "No space left on device", str(staged)), "Then resume.")
    assert isinstance(error, ExperimentError)
    assert str(error) == (f"Cannot write to the experiment folder: No space left on device ({tmp_path / 'e1'}).\n"
                          "Free some space, or make the folder writable: what was saved so far is complete."
                          " Then resume.")
    assert write_error(OSError(errno.EROFS, "Read-only file system"), "", tmp_path).message == (
        f"Cannot write to the experiment folder: Read-only file system ({tmp_path}).")
