"""Warm sweep members: the libraries are imported once, and each member is a fork of that process.

A fresh `ginpipe` process per member pays for importing torch, Lightning and the project's tasks
every time (ten seconds on a small machine, more than a debug training). `WarmLauncher` imports
them once in the sweep's process (by binding the first member's config to its real objects, as a
run does just before its first task) and starts each member with `os.fork()`. The child is what a
fresh process would be: the member's options are parsed again from its command line
(`RunOptions.from_argv`), `sys.argv` is the command's, gin's config starts empty (`run_scope`), its
output goes to the launcher through a pipe, and its exit code is the command's.

A fork is only safe before CUDA is initialised (a CUDA context does not survive a fork) and in a
single process: a member that trains on several devices or nodes (DDP starts processes of its own),
or any member once CUDA is initialised here, runs as a fresh process (`LocalLauncher`), as does
every member where `os.fork` does not exist. Submitit jobs are their own processes anyway.
"""
from __future__ import annotations

import collections
import os
import signal
import sys
import threading
import traceback

from ..config.text.composition import compose
from ..config.text.values import Ref
from ..errors import GinpipeError
from ..experiment.console import configure_console, exit_code
from ..experiment.quiet import make_quiet
from ..experiment.ranks import is_main_process
from ..experiment.statuses import RunStatus
from ..log import logger
from ..runs.options import RunOptions
from ..runs.prepare import prepare, run_scope
from ..runs.runner import run_experiment
from .parent_death import death_hook

__all__ = ["ForkedCommand", "run_command", "warm_up", "fork_is_safe", "distributed"]

_TAIL = 30
_CLI_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli.py")


def run_command(argv: list[str]) -> int:
    """What `ginpipe ARGV...` does for one experiment, in this process: its exit code."""
    options = RunOptions.from_argv(argv)
    configure_console(verbosity=options.verbosity)
    if options.verbosity < 0:
        make_quiet()
    try:
        return exit_code(lambda: _run(options), options.debug)
    except KeyboardInterrupt:
        print("interrupted (Ctrl-C). Nothing of this run was left half-written; run the same command"
              f" again:\n    {options.command}", file=sys.stderr)
        return 130


def _run(options: RunOptions) -> int:
    from ..tools.run_summary import summary_line
    if options.dry_run:
        from ..runs.dry_run import print_dry_run
        print_dry_run(options)
        return 0
    state = run_experiment(options)
    if is_main_process():
        print(summary_line(state["output_dir"], RunStatus.DONE))
    return 0


def fork_is_safe(options: RunOptions) -> bool:
    """Whether a member may be forked from this process (see the module doc)."""
    return hasattr(os, "fork") and not distributed(options) and not _cuda_initialised()


def warm_up(options: RunOptions) -> bool:
    """Import what the member's tasks need, here, once: bind its config to the real objects."""
    try:
        with run_scope():
            prepare(options).bind()
    except GinpipeError as e:  # the member will report it itself
        logger.debug(f"warm start off: {e}")
        return False
    return True


def _cuda_initialised() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_initialized())


def distributed(options: RunOptions) -> bool:
    """Whether the member trains on several devices or nodes (its trainer starts processes)."""
    try:
        composition = compose(list(options.configs), list(options.mods))
    except GinpipeError:
        return True  # let a fresh process report it, exactly as it would
    for b in composition.bindings:
        if b.is_macro or not b.selector.rsplit(".", 1)[-1].endswith(("Trainer", "Fabric")):
            continue  # `split_dataset.strategy` is not a training strategy
        value = b.value
        if b.arg == "strategy" and not _single_process_strategy(value):
            return True
        if b.arg in ("devices", "num_nodes", "gpus") and _more_than_one(value):
            return True
    return False


def _single_process_strategy(value) -> bool:
    if isinstance(value, Ref):  # a strategy object: DDP, FSDP, DeepSpeed... start processes
        return False
    return str(value).lower() in ("auto", "single_device", "none")


def _more_than_one(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 1 or value == -1
    if isinstance(value, (list, tuple)):
        return len(value) > 1
    if isinstance(value, str):
        return value.strip() in ("-1", "auto") or "," in value.strip(",") or (value.isdigit() and int(value) > 1)
    return False


def _fork(argv: list[str], cwd, gpu: str | None) -> tuple[int, int]:
    """Fork a member running `ginpipe ARGV...`; (pid, read end of its output)."""
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    die_with_parent = death_hook()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    code = 1
    try:  # the child: never returns into the sweep's code
        if die_with_parent is not None:
            die_with_parent()  # a member never outlives a killed sweep or study
        os.close(read_end)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        # new stream objects: another thread of the sweep may have held the old ones' locks at the fork
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        if cwd is not None:
            os.chdir(cwd)
        if gpu is not None:
            os.environ["CUDA_VISIBLE_DEVICES"] = gpu
        sys.argv = [_CLI_FILE, *argv]  # run.json records the member's command, as `python -m ginpipe.cli`
        code = run_command(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # a child must end here, whatever happened
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class ForkedCommand:
    """A member forked from this process: `poll()` gives None while it runs, then its exit code."""

    def __init__(self, argv: list[str], cwd=None, gpu: str | None = None, prefix: str = "", on_end=None):
        self.pid, read_end = _fork(argv, cwd, gpu)
        self.code: int | None = None
        self.on_end = on_end
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL)
        self.reader = threading.Thread(target=self._copy, args=(os.fdopen(read_end), prefix), daemon=True)
        self.reader.start()

    def _copy(self, stream, prefix: str) -> None:
        with stream:
            for line in stream:  # the member's console, shown as it comes
                self.tail.append(line.rstrip("\n"))
                sys.stderr.write(prefix + line)

    def poll(self) -> int | None:
        if self.code is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                return None
            self._ended(status)
        return self.code

    def wait(self) -> int:
        if self.code is None:
            _, status = os.waitpid(self.pid, 0)
            self._ended(status)
        assert self.code is not None  # _ended set it
        return self.code

    def _ended(self, status: int) -> None:
        self.code = os.waitstatus_to_exitcode(status)
        self.reader.join()
        if self.on_end is not None:
            self.on_end()

    def cancel(self) -> None:
        if self.code is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.wait()
