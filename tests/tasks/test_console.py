"""The console of a real training run as a batch job sees it (no terminal): one line per epoch, numbers
as the values they are, and with -q nothing but the result."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]
EPOCH = re.compile(r"^\d\d:\d\d:\d\d \| INFO    \| epoch (\d)/2  train_loss \d+\.\d+  val_loss \d+\.\d+"
                   r"  val_accuracy (\d(\.\d+)?) \(monitored, best (\d(\.\d+)?)\)  \d+\.\d s$")


def _ginpipe(*args: str) -> subprocess.CompletedProcess:
    """The command with its output to pipes, as under SLURM or nohup: no terminal."""
    return subprocess.run([sys.executable, "-m", "ginpipe.cli", *CONFIGS, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_a_batch_job_logs_one_line_per_epoch_and_quiet_shows_only_the_result(tmp_path):
    mods = [f"read_synthetic.root='{tmp_path / 'data'}'", f"extract_features.cache_dir='{tmp_path / 'features'}'"]
    done = _ginpipe("--mods", *mods, "--output-dir", str(tmp_path / "batch"))
    assert done.returncode == 0, done.stderr
    console = done.stderr.splitlines()
    epochs = [EPOCH.match(line) for line in console if "| epoch " in line]
    assert [m and m[1] for m in epochs] == ["1", "2"], console
    assert "━" not in done.stderr and "it/s" not in done.stderr  # no progress bar drawn into a log
    best = next(line for line in console if "best checkpoint: " in line)
    value = re.search(r"\(val_accuracy = (\S+)\)$", best)[1]
    assert len(value) <= 6 and float(value) == max(float(m[4]) for m in epochs), best  # 0.1, not 0.10000000149011612
    logged = (tmp_path / "batch" / "logs" / "run.log").read_text()
    assert all(line.split(" | ", 2)[2] in logged for line in console if "| epoch " in line)
    assert done.stdout.startswith(f"done: {tmp_path / 'batch'}  (test_accuracy = ")

    # -q: warnings the user can act on only. fast.gin's three batches per epoch are below Lightning's
    # logging interval, a warning the user can act on (and does here); nothing else may appear.
    quiet = _ginpipe("--mods", *mods, "pl.Trainer.log_every_n_steps=1", "--output-dir", str(tmp_path / "quiet"), "-q")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert re.fullmatch(rf"done: {re.escape(str(tmp_path / 'quiet'))}  \(test_accuracy = \d(\.\d+)?\)\n", quiet.stdout)
