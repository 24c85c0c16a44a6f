"""`-q` lasts one command: a Python session that ran `main([..., "-q"])` (a notebook, a test worker)
runs its next command, and the processes that command starts, with the console they ask for."""
from __future__ import annotations

import logging
import os
import warnings

from ginpipe.cli import main
from ginpipe.experiment.quiet import quiet, quiet_for


def test_a_quiet_command_leaves_the_process_as_it_found_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GINPIPE_QUIET", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    filters = list(warnings.filters)
    assert main(["missing.gin", "-q"]) == 2  # refused (no such file), after -q took effect
    assert not quiet() and "TQDM_DISABLE" not in os.environ
    assert logging.root.manager.disable == 0 and warnings.filters == filters


def test_inside_the_command_everything_is_quiet_and_a_setting_the_user_had_is_kept(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "0")
    with quiet_for(True):
        assert quiet() and os.environ["TQDM_DISABLE"] == "0"  # the user's own choice wins for tqdm
        assert logging.root.manager.disable == logging.INFO
    assert not quiet() and os.environ["TQDM_DISABLE"] == "0"
    with quiet_for(False):
        assert not quiet()
