"""The documented commands of the group "sweeps" (tests/support/documented_commands.py: its pages and
the --help examples of its option), in their own copies of the project, beside the other groups'
files under pytest-xdist. Run the whole file: later commands use what earlier ones made.
"""
from __future__ import annotations

import pytest

from tests.support.documented_commands import commands_of, make_sandboxes, run_as_printed, command_ids

GROUP = commands_of("sweeps")


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory):
    return make_sandboxes(tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("command", GROUP, ids=command_ids(GROUP))
def test_a_documented_command_works_as_printed(command, sandboxes):
    run_as_printed(command, sandboxes)
