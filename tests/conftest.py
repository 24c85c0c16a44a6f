"""Fixtures shared by every test: gin's global config and the registrations a test made are cleared
after each test; `project`, the runner's test project; `ginpipe_project`, a project written for the
original GinPipe; and the Docker tests' figures, printed at the end of the run.

The sweep, tools and bad-input tests import their own `project` from `tests.support.projects`.
"""
import os
import signal

import gin
import pytest

from ginpipe.config import gin_internals

from tests.support.ginpipe_project import GinpipeProject
from tests.support.projects import BASE_CONFIG, RUN_VARIABLES, Project, make_project

_FIGURES = pytest.StashKey[dict]()

# A shell without job control starts a background command with Ctrl-C (SIGINT) ignored, and every
# process it starts inherits that: the Ctrl-C tests would then see runs that cannot be interrupted.
# Handled here (as an interactive start would), the processes the tests start get the default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def _signature_cache(tmp_path_factory):
    """Library signatures are cached in the session's own folder (inherited by `ginpipe` processes
    the tests start), not in the user's ~/.cache."""
    os.environ.setdefault("GINPIPE_CACHE_DIR", str(tmp_path_factory.mktemp("ginpipe-cache")))


@pytest.fixture(autouse=True)
def _clear_gin():
    # A project's own `@gin.configurable`s stay registered after its run (as they do for a user), so a
    # later test's `load` would need the module name to tell it from an earlier project's: each test
    # starts from the registry a fresh process has.
    registered = set(gin_internals.registered_objects())
    yield
    gin.clear_config()
    for selector in set(gin_internals.registered_objects()) - registered:
        gin_internals.forget(selector)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    """A project of pure-Python tasks (tests/support/steps.py) whose base.gin is `BASE_CONFIG`."""
    yield from make_project(tmp_path, monkeypatch, BASE_CONFIG)


@pytest.fixture
def ginpipe_project(tmp_path, monkeypatch) -> GinpipeProject:
    """A project written for the original GinPipe (tests/compat), run through the real `ginpipe` command."""
    for variable in RUN_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return GinpipeProject(tmp_path / "repo")


@pytest.fixture(scope="session")
def docker_figures(request) -> dict[str, str]:
    """Figure name -> printable value; shown in the terminal summary, so they land in the CI log."""
    return request.config.stash.setdefault(_FIGURES, {})


def pytest_sessionfinish(session):
    # Under pytest-xdist the figures were measured in a worker: hand them to the controller, which
    # prints the summary.
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["docker_figures"] = dict(session.config.stash.get(_FIGURES, {}))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    figures = getattr(node, "workeroutput", {}).get("docker_figures")
    if figures:
        node.config.stash.setdefault(_FIGURES, {}).update(figures)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = config.stash.get(_FIGURES, None)
    if figures:
        terminalreporter.section("Docker image")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value}")
