"""`ginpipe-demo`'s command line: safe defaults, and a clear refusal of a folder with no bundle."""
from __future__ import annotations

import subprocess
import sys

from demos.app import parse_args


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
