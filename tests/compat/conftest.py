"""Projects written for the original GinPipe, run through the real `ginpipe` command."""
import pytest
from ginpipe_project import GinpipeProject
from projects import RUN_VARIABLES


@pytest.fixture
def ginpipe_project(tmp_path, monkeypatch) -> GinpipeProject:
    for variable in RUN_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return GinpipeProject(tmp_path / "repo")
