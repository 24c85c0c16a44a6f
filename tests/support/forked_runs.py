"""Runs of the real `ginpipe` command in child processes that start in a fraction of a second.

A fresh `python -m ginpipe.cli` spends about ten seconds importing torch and Lightning; twenty-odd
kills plus their resumes would take many minutes that way. So children are forked from a
multiprocessing fork server that imported those libraries once (`set_forkserver_preload`). Each child
is a new process, in its own session (its DataLoader workers die with it), that runs
`ginpipe.cli.main(argv)` from its working directory, writes its console output to a log file, and may
die of a real SIGKILL aimed by `kill_tracer`. Neither ginpipe nor the project's `tasks` is preloaded.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .kill_tracer import TARGETS, KillPoint, KillTracer

__all__ = ["Child", "start", "PRELOAD"]

# Third-party libraries only: what makes a fresh interpreter slow to start.
PRELOAD = ["numpy", "pandas", "pyarrow.parquet", "soundfile", "torch", "torchaudio", "torchmetrics",
           "lightning.pytorch", "sklearn.metrics", "matplotlib.figure", "gin", "loguru", "tqdm"]
_context = None


def _forkserver():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


@dataclass
class Child:
    process: multiprocessing.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = 300) -> int:
        """The exit code (negative: killed by that signal); the child's session is killed too."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
            self.process.join(10)
            raise TimeoutError(f"run did not end within {timeout} s; its output:\n{self.output()}")
        self.kill()  # its DataLoader workers, if the run itself was killed
        return self.process.exitcode

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.is_file() else ""


def start(argv: list[str], cwd: Path, log: Path, point: KillPoint | None = None,
          census: Path | None = None, env: dict[str, str] | None = None) -> Child:
    """Start `ginpipe <argv>` in `cwd`; kill it at `point`, or write a census of target calls."""
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    process = _forkserver().Process(target=_child_main,
                                    args=(list(argv), str(cwd), str(log), point, census and str(census),
                                          dict(env or {})))
    process.start()
    return Child(process, Path(log))


def _child_main(argv, cwd, log, point, census, env) -> None:
    # A fork-server child inherits the fork server's start method; a fresh interpreter on Linux forks
    # (DataLoader workers would otherwise each start through a new fork server, seconds each).
    multiprocessing.set_start_method("fork", force=True)
    os.setsid()
    os.chdir(cwd)
    os.environ.update(env)
    tempfile.tempdir = None  # chosen again from TMPDIR, as a fresh interpreter would
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    tracer = KillTracer(TARGETS, point)
    if point is not None or census is not None:
        tracer.install()
    sys.argv = ["ginpipe", *argv]
    from ginpipe.cli import main
    try:
        code = main(argv)
    finally:
        sys.settrace(None)
        sys.stdout.flush()
        sys.stderr.flush()
    if census is not None:
        Path(census).write_text(json.dumps(tracer.counts()))
    os._exit(code)  # skip interpreter teardown (atexit handlers of libraries): the run is over
