"""The Docker image tests' figures (image size, build and rebuild times), printed at the end of the run."""
from __future__ import annotations

import pytest

_FIGURES = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def docker_figures(request) -> dict[str, str]:
    """Figure name -> printable value; shown in the terminal summary, so they land in the CI log."""
    return request.config.stash.setdefault(_FIGURES, {})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    figures = config.stash.get(_FIGURES, None)
    if figures:
        terminalreporter.section("Docker image")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name}: {value}")
