"""Every `ginpipe` command README.md, the manual (docs/*.md) and the `--help` texts show works as printed:
the group "project" here (README's first example, the audio project's pages, ...); the groups that
build on sweeps and on a search run beside it in test_documented_commands_sweeps.py and
test_documented_commands_search.py. How the commands are read, grouped and run:
tests/support/documented_commands.py. Run a whole file: a command selected alone may lack what
earlier commands of its group make.
"""
from __future__ import annotations

import pytest

from tests.support.documented_commands import (_PLACEHOLDER, COMMANDS, GROUPS, command_ids, commands_of,
                                               group_of, make_sandboxes, run_as_printed)

GROUP = commands_of("project")


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory):
    return make_sandboxes(tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("command", GROUP, ids=command_ids(GROUP))
def test_a_documented_command_works_as_printed(command, sandboxes):
    run_as_printed(command, sandboxes)


def test_the_commands_are_found():
    """README's, the manual's and --help's commands are read: a parser that found none would test nothing."""
    texts = [c.text for c in COMMANDS]
    assert "ginpipe experiment.gin --experiment-name first" in texts
    assert any(c.where == "ginpipe --help" for c in COMMANDS)
    assert any(c.where.startswith("docs/sweeps.md:") and "--sweep" in c.text for c in COMMANDS)
    assert any(c.where.startswith("docs/tools.md:") and c.text.startswith("ginpipe compare") for c in COMMANDS)
    assert not any(_PLACEHOLDER.search(t) for t in texts)


def test_each_command_runs_once_in_one_group():
    """The groups split the commands without losing one; a command printed on two pages runs once,
    one printed twice on a page (the first example's cached rerun) twice."""
    split = [c for name in ("project", *GROUPS) for c in commands_of(name)]
    assert sorted(split, key=repr) == sorted(COMMANDS, key=repr)
    assert {group_of(c) for c in COMMANDS} == {"project", *GROUPS}
    texts = [c.text for c in COMMANDS]
    assert texts.count('ginpipe configs/base.gin configs/models/resnet.gin --mods "Resnet.n_layers=20"') == 1
    assert texts.count("ginpipe experiment.gin --experiment-name first") == 2
