"""README's first example, exactly as written, in a fresh empty folder (no `tasks/__init__.py`)."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _first_example() -> tuple[str, str, list[str]]:
    section = README.read_text().split("## A first example", 1)[1].split("\n## ", 1)[0]
    python = re.search(r"```python\n# tasks/steps.py\n(.*?)```", section, re.S).group(1)
    gin = re.search(r"```\n# experiment.gin\n(.*?)```", section, re.S).group(1)
    commands = [line.strip().split("  #")[0] for line in section.splitlines() if line.startswith("    ginpipe ")]
    return python, gin, commands


def test_the_first_example_runs_as_written_in_an_empty_folder(tmp_path):
    python, gin, commands = _first_example()
    assert len(commands) == 3
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "steps.py").write_text(python)
    (tmp_path / "experiment.gin").write_text(gin)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINPIPE_")}
    results = []
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *shlex.split(command)[1:]], cwd=tmp_path,
                              capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        results.append(done)
    assert "2 came from the cache" in results[1].stderr
    assert "↷ 01-load: cached" in results[2].stderr and "▶ 02-double" in results[2].stderr
    assert not (tmp_path / "tasks" / "__init__.py").exists()
