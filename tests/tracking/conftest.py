"""A real `mlflow server` (127.0.0.1, a free port, SQLite, artifacts in a temporary folder) and a
2x2 sweep of `configs/debug/fast.gin` tracked on it, both made once per session: the client test and
the browser test read the same runs. Skipped without mlflow (the dependency group `tracking`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port, wait_until_serving

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180  # mlflow's imports and its database migrations, on a busy 2-core machine
SWEEP = ["configs/base.gin", "configs/debug/fast.gin", "--sweep", "Resnet.width=[4,8]", "--sweep", "SEED=[1,2]"]


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory) -> str:
    """`mlflow server` as a user starts it; yields its URL and stops it afterwards."""
    pytest.importorskip("mlflow", reason="mlflow is not installed (uv sync --group tracking)")
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log = folder / "server.log"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
             "--workers", "1", "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}",
             "--artifacts-destination", str(folder / "artifacts")],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/health", server, log, name="mlflow server", timeout=STARTUP_SECONDS)
        yield url
    finally:
        os.killpg(server.pid, 15)  # the server and the workers it started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


@dataclass
class TrackedSweep:
    url: str  # the tracking server
    folder: Path  # the sweep's members are its sub-folders
    output: str  # what the sweep printed


@pytest.fixture(scope="session")
def tracked_sweep(mlflow_server, tmp_path_factory) -> TrackedSweep:
    """The 2x2 sweep (Resnet.width x SEED) of the fast debug config, run by the real CLI with --track."""
    folder = tmp_path_factory.mktemp("tracked-sweep") / "sweep"
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *SWEEP, "--output-dir", str(folder), "--jobs", "2",
                           "-q", "--track", mlflow_server], cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-5000:]
    assert "tracking:" not in done.stderr, done.stderr[-5000:]  # no tracking failure was warned about
    sweep = TrackedSweep(mlflow_server, folder, done.stdout + done.stderr)
    # Every member has its run: the tests that go through the members would pass on none.
    assert len(member_run_ids(sweep)) == 4, sweep.output[-5000:]
    return sweep


def member_run_ids(sweep: TrackedSweep) -> dict[str, str]:
    """Member folder name -> its MLflow run id (from the member's tracking.json)."""
    return {p.parent.name: json.loads(p.read_text())["run_id"] for p in sorted(sweep.folder.glob("*/tracking.json"))}
