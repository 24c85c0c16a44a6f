"""`ginpipe-demo`'s command line: safe defaults, and a clear refusal of a folder with no bundle."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from demos.app import parse_args
from tests.demo.conftest import REPO, STARTUP_SECONDS
from tests.support.servers import free_port, wait_until_serving


def test_defaults_serve_this_machine_only():
    args = parse_args(["experiments/audio/x"])
    assert (args.host, args.port) == ("127.0.0.1", 7860)


def test_a_folder_without_a_bundle_is_refused_with_exit_code_2(tmp_path):
    (tmp_path / "config.gin").write_text("# an experiment whose evaluate_model never ran\n")
    done = subprocess.run([sys.executable, "-m", "demos.app", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert f"No model bundle: {tmp_path / 'model'} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("quiet", [False, True])
def test_the_demo_says_where_it_serves_and_never_to_set_share(trained_experiment, tmp_path, quiet):
    """gradio's own start lines tell to `set share=True`, which this demo never does: it prints its
    address itself, and nothing at all with -q."""
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "demos.app", str(trained_experiment), "--port", str(port),
                                   *(["-q"] if quiet else [])], cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", server, log, name="the demo", timeout=STARTUP_SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=60)
    shown = log.read_text()
    assert "share=True" not in shown and "Running on" not in shown, shown
    if quiet:
        assert shown == "", shown
    else:
        assert shown.splitlines() == [f"ginpipe-demo: serving {trained_experiment / 'model'} on"
                                      f" http://127.0.0.1:{port} (Ctrl-C stops)"], shown
