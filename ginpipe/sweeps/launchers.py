"""Where sweep members run: local processes, or jobs of a cluster through submitit.

Each meets `ginpipe.sweeps.scheduler.Launcher` (the contract, a `typing.Protocol`): a `capacity` (how
many members may run at once) and `start(member)`, which returns a `Handle` whose `poll()` gives None
while the member runs, then `(ok, error, last_log_lines)`, and whose `cancel()` stops it.

* `LocalLauncher`: one `ginpipe` process per member, `jobs` at once; with GPUs visible, each running
  member gets its own (`CUDA_VISIBLE_DEVICES`, round-robin when there are more jobs than GPUs).
* `WarmLauncher`: like `LocalLauncher`, but the libraries are imported once here and each member is
  a fork of this process (`warm_start`), where that is safe; elsewhere a fresh process.
  `run(options)` runs one member and returns its exit code.
* `SubmititLauncher`: each member is a job submitted through `submitit.AutoExecutor` (SLURM, or its
  local executor), with the resources a gin file binds to `submitit` (see `ginpipe.sweeps.resources`);
  the job calls `run_member(options)`, the API entry of one member, not the command line.
"""
from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Mapping

from ..errors import ConfigError
from ..experiment.console import configure_console, exit_code
from ..experiment.quiet import make_quiet
from ..runs.options import RunOptions, check_jobs
from ..runs.runner import run_experiment
from .parent_death import death_hook
from .scheduler import Result
from .warm_start import ForkedCommand, fork_is_safe, warm_up

__all__ = ["LocalLauncher", "WarmLauncher", "SubmititLauncher", "visible_gpus", "run_member"]

_TAIL = 30  # lines of a member's output kept to explain a failure


def visible_gpus(environ: Mapping[str, str] | None = None) -> list[str]:
    """The GPU ids this machine lets us use, without importing torch.

    `CUDA_VISIBLE_DEVICES` when it is set (empty or -1: none), else one id per `nvidia-smi -L` line.
    """
    environ = os.environ if environ is None else environ
    value = environ.get("CUDA_VISIBLE_DEVICES")
    if value is not None:
        ids = [v.strip() for v in value.split(",") if v.strip()]
        return [] if not ids or ids[0] == "-1" else ids
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        listing = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [str(i) for i, line in enumerate(row for row in listing.splitlines() if row.startswith("GPU "))]


def _error_of(lines: list[str], fallback: str) -> str:
    errors = [line[len("error: "):] for line in lines if line.startswith("error: ")]
    return errors[-1] if errors else fallback


class LocalLauncher:
    """Runs each member as `python -m ginpipe.cli ...` here, `jobs` at once, one GPU each if any.

    A process per member (not a thread): each run needs gin's global config to itself.
    """

    def __init__(self, jobs: int = 1, gpus: list[str] | None = None, prefix_output: bool | None = None,
                 cwd: str | os.PathLike | None = None):
        check_jobs(jobs)
        self.capacity = jobs
        self.gpus = visible_gpus() if gpus is None else list(gpus)
        self.prefix_output = self.capacity > 1 if prefix_output is None else prefix_output
        self.cwd = cwd
        self._free = list(range(self.capacity))  # slots: slot k uses GPU gpus[k % len(gpus)]

    def start(self, member) -> _LocalHandle:
        slot = self._free.pop(0)
        env = dict(os.environ)
        if self.gpus:
            env["CUDA_VISIBLE_DEVICES"] = self.gpus[slot % len(self.gpus)]
        process = subprocess.Popen([sys.executable, "-m", "ginpipe.cli", *member.argv], cwd=self.cwd, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                   preexec_fn=death_hook())
        return _LocalHandle(self, slot, process, f"[{member.short}] " if self.prefix_output else "")


class _LocalHandle:
    def __init__(self, launcher: LocalLauncher, slot: int, process: subprocess.Popen, prefix: str):
        self.launcher, self.slot, self.process = launcher, slot, process
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
        self.reader = threading.Thread(target=self._copy, args=(prefix,), daemon=True)
        self.reader.start()

    def _copy(self, prefix: str) -> None:
        assert self.process.stdout is not None  # started with stdout=PIPE
        for line in self.process.stdout:  # the member's console, shown as it comes
            self.tail.append(line.rstrip("\n"))
            sys.stderr.write(prefix + line)
        self.process.stdout.close()

    @property
    def code(self) -> int | None:
        return self.process.returncode

    def poll(self) -> Result | None:
        if self.process.poll() is None:
            return None
        self.reader.join()
        self.launcher._free.append(self.slot)
        self.launcher._free.sort()
        code = self.process.returncode
        lines = list(self.tail)
        return code == 0, "" if code == 0 else _error_of(lines, f"exit code {code}"), lines

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()


class WarmLauncher:
    """`LocalLauncher`'s members, started warm: forks of this process, which imported their libraries
    once (`warm_start`). A member a fork cannot run safely (DDP, CUDA initialised here) gets a fresh
    process; so does every member when warming up failed (the member then reports the error)."""

    def __init__(self, jobs: int = 1, gpus: list[str] | None = None, prefix_output: bool | None = None,
                 cwd: str | os.PathLike | None = None):
        self.fresh = LocalLauncher(jobs, gpus, prefix_output, cwd)
        self.capacity, self.gpus, self.cwd = self.fresh.capacity, self.fresh.gpus, cwd
        self.prefix_output = self.fresh.prefix_output
        self._free = list(range(self.capacity))
        self._warm: bool | None = None  # None until the first member

    def start(self, member) -> _LocalHandle | _ForkedHandle:
        if not fork_is_safe(member.options):
            return self.fresh.start(member)
        if self._warm is None:
            self._warm = warm_up(member.options)
        if not self._warm or not fork_is_safe(member.options):  # importing may have initialised CUDA
            return self.fresh.start(member)
        slot = self._free.pop(0)
        gpu = self.gpus[slot % len(self.gpus)] if self.gpus else None
        forked = ForkedCommand(member.options.to_argv(), self.cwd, gpu,
                               f"[{member.short}] " if self.prefix_output else "", on_end=lambda: self._release(slot))
        return _ForkedHandle(forked)

    def run(self, options: RunOptions) -> int:
        """Run one member (a sweep's, a search's trial) to its end, warm where safe: its exit code."""
        handle = self.start(_OneMember(options))
        while handle.poll() is None:
            time.sleep(0.05)
        code = handle.code
        assert code is not None  # poll() answered: the process ended
        return code

    def _release(self, slot: int) -> None:
        self._free.append(slot)
        self._free.sort()


class _OneMember:
    def __init__(self, options: RunOptions):
        self.options, self.short = options, options.experiment_name or "member"

    @property
    def argv(self) -> list[str]:
        return self.options.to_argv()


class _ForkedHandle:
    def __init__(self, forked: ForkedCommand):
        self.forked = forked

    @property
    def code(self) -> int | None:
        return self.forked.code

    def poll(self) -> Result | None:
        code = self.forked.poll()
        if code is None:
            return None
        lines = list(self.forked.tail)
        return code == 0, "" if code == 0 else _error_of(lines, f"exit code {code}"), lines

    def wait(self) -> None:
        self.forked.wait()

    def cancel(self) -> None:
        self.forked.cancel()


def run_member(options: RunOptions, cwd: str) -> int:
    """The body of a submitit job: run one member in this process, as its `ginpipe` command would
    (console output, `error: ...` and exit code 2 on a failure)."""
    os.chdir(cwd)
    configure_console(options.verbosity)
    if options.verbosity < 0:
        make_quiet()
    return exit_code(lambda: run_experiment(options) and None, options.debug)  # the state is not an exit code


class SubmititLauncher:
    """Submits each member as a job through `submitit.AutoExecutor`; the logs go to `folder`."""

    def __init__(self, folder: str | os.PathLike, resources: tuple[str | None, dict] = (None, {}),
                 jobs: int | None = None):
        check_jobs(jobs)
        try:
            import submitit
        except ImportError:
            raise ConfigError("--launcher submitit needs the `submitit` package.",
                              hint="Install it (`uv add submitit` or `pip install submitit`).") from None
        cluster, parameters = resources
        self.folder = Path(folder)
        self.executor = submitit.AutoExecutor(folder=self.folder / "%j", cluster=cluster)
        try:
            self.executor.update_parameters(**parameters)
        except (NameError, AssertionError) as e:
            raise ConfigError(f"submitit refused the launcher resources: {e}") from None
        self.capacity = jobs or 1_000_000  # the cluster's scheduler decides; --jobs caps submissions

    def start(self, member) -> _SubmititHandle:
        self.executor.update_parameters(name=member.name)
        job = self.executor.submit(run_member, member.options, os.getcwd())
        return _SubmititHandle(job)


class _SubmititHandle:
    def __init__(self, job):
        self.job = job

    def poll(self) -> Result | None:
        if not self.job.done():
            return None
        lines = (self.job.stderr() or "").splitlines()[-_TAIL:]
        try:
            code = self.job.result()
        except Exception as e:  # the job died (timeout, node failure, exception outside ginpipe)
            return False, f"job {self.job.job_id}: {str(e).strip().splitlines()[-1] if str(e).strip() else e!r}", lines
        if code == 0:
            return True, "", lines
        return False, _error_of(lines, f"job {self.job.job_id} exit code {code}"), lines

    def cancel(self) -> None:
        self.job.cancel(check=False)
