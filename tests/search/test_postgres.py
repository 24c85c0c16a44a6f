"""A study on a real PostgreSQL server, two local workers (`--jobs 2`) pulling trials from it."""
from __future__ import annotations

import json
import os

import pytest

from .postgres_server import BINARIES, PostgresServer

optuna = pytest.importorskip("optuna", reason="the `search` dependency group is not installed")


@pytest.fixture
def postgres_url():
    if not BINARIES:
        if os.environ.get("GINPIPE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required here (GINPIPE_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    server = PostgresServer(BINARIES[-1])
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.mark.slow
def test_study_on_postgresql_with_two_workers(project, postgres_url):
    done = project.cli("base.gin", "--search", "quadratic.x=uniform(-1, 1)", "--trials", "4", "--jobs", "2",
                       "--storage", postgres_url, "--objective", "loss", "--direction", "min",
                       "--experiment-name", "pg", "-q", check=True)
    study = optuna.load_study(study_name="my_project/pg", storage=postgres_url)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 4
    record = json.loads((project.root / "experiments/my_project/pg/study.json").read_text())
    assert record["storage"] == postgres_url and record["best"]["value"] == study.best_value
    assert not (project.root / "experiments/my_project/pg/study.db").exists()
    assert f"dashboard:  optuna-dashboard {postgres_url}" in done.stdout
    assert project.calls().count("load") == 1 and project.calls().count("quadratic") == 4
