"""What the benchmarks that run the real `ginpipe` command on the reference audio project share.

Imported by the scripts as `from _common import ...`: run as `uv run python benchmarks/<name>.py`,
a script's own folder (benchmarks/) is first on `sys.path`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ROOT", "CONFIGS", "ginpipe", "reference_work_folder"]

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]


def ginpipe(cwd: Path, *args: str) -> float:
    """Run `ginpipe ARGS -q` in `cwd` on the CPU; its wall time in seconds. Exits when it fails."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ginpipe.cli", *args, "-q"], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ginpipe {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


@contextmanager
def reference_work_folder() -> Iterator[Path]:
    """A temporary folder linked to this repository's `tasks/` and `configs/`, removed afterwards.
    Exits first when the reference audio project (configs/debug/fast.gin) is missing."""
    if not (ROOT / "configs" / "debug" / "fast.gin").is_file():
        sys.exit("configs/debug/fast.gin is missing: this benchmark needs the reference audio project.")
    with tempfile.TemporaryDirectory(prefix="ginpipe-bench-") as tmp:
        work = Path(tmp)
        for name in ("tasks", "configs"):
            (work / name).symlink_to(ROOT / name)
        yield work
