"""`ginpipe.cache.recompute`: the flag `ginpipe reproduce` sets, seen by the processes a task starts."""
import os
import subprocess
import sys

from ginpipe.cache.recompute import VARIABLE, must_recompute, recomputing


def test_the_flag_is_on_inside_and_as_it_was_after(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    assert not must_recompute()
    with recomputing():
        assert must_recompute()
        child = subprocess.run([sys.executable, "-c", "from ginpipe.io import must_recompute; print(must_recompute())"],
                               capture_output=True, text=True, check=True)
        assert child.stdout == "True\n"  # a DataLoader worker or a forked member sees it too
    assert VARIABLE not in os.environ
    monkeypatch.setenv(VARIABLE, "0")
    assert not must_recompute()
    with recomputing():
        pass
    assert os.environ[VARIABLE] == "0"
