"""Fixtures for the demo tests: one tiny trained experiment, and the demo serving it on a free port."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import free_port, wait_until_serving

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180  # torch + lightning + gradio imports on a busy 2-core machine


@pytest.fixture(scope="session")
def trained_experiment(tmp_path_factory) -> Path:
    """A `configs/debug/fast.gin` experiment, trained by the real CLI (its model/ bundle included).

    `GINPIPE_DEMO_EXPERIMENT` names an experiment trained already instead (scripts/demo-screenshot.sh).
    """
    if os.environ.get("GINPIPE_DEMO_EXPERIMENT"):
        folder = Path(os.environ["GINPIPE_DEMO_EXPERIMENT"]).resolve()
        assert (folder / "model" / "weights.pt").is_file(), f"{folder} has no model/ bundle"
        return folder
    folder = tmp_path_factory.mktemp("demo") / "fast"
    subprocess.run([sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/debug/fast.gin",
                    "--output-dir", str(folder), "-q"], cwd=REPO, check=True, timeout=600)
    assert (folder / "model" / "weights.pt").is_file()
    return folder


@pytest.fixture(scope="session")
def demo_url(trained_experiment, tmp_path_factory):
    """`ginpipe-demo <experiment>` started as a user would, from another folder; yields its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("demo-server") / "server.log"
    env = {**os.environ, "GRADIO_TEMP_DIR": str(log.parent / "gradio")}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "demos.app", str(trained_experiment), "--port", str(port)],
                                  cwd=log.parent, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, server, log, name="the demo", timeout=STARTUP_SECONDS)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
