"""Logging: the console (configured by the CLI only) and a copy of it all in `logs/run.log` (see `log`)."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from .. import log
from ..log import logger

__all__ = ["configure_console", "log_to_file", "print_error", "exit_code"]


def configure_console(verbosity: int = 0) -> None:
    """-q shows warnings only, default shows progress, -v shows debug details."""
    log.own_console(sys.stderr, {-1: "WARNING", 0: "INFO"}.get(verbosity, "DEBUG"))


class _LogFile:
    """The run's log file. A failed write (a full disk) stops the copying, never the run: the error
    that explains it must still reach the console."""

    def __init__(self, file):
        self._file, self.broken = file, False

    def write(self, text):
        self._do(self._file.write, text)

    def flush(self):
        self._do(self._file.flush)

    def _do(self, method, *args):
        if not self.broken:
            try:
                method(*args)
            except OSError:
                self.broken = True


class _Tee:
    """A text stream that also writes everything to a log file."""

    def __init__(self, stream, log_file):
        self._stream, self._log = stream, log_file

    def write(self, text):
        self._log.write(text)
        return self._stream.write(text)

    def flush(self):
        self._log.flush()
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def log_to_file(path: Path, level: str = "DEBUG"):
    """Copy log records and everything printed to stdout/stderr into `path` for the block's duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = open(path, "a", buffering=1)
    log_file = _LogFile(file)
    sink = log.add_file(log_file, level)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(stdout, log_file), _Tee(stderr, log_file)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        log.remove_sink(sink)
        try:
            file.close()
        except OSError:  # its last lines could not be written (disk full): the run's error says why
            pass


def print_error(error, debug: bool = False) -> None:
    """A `GinpipeError` as the user sees it: `error: ...` on stderr, the traceback only with --debug.

    The cause's traceback still goes to the log (logs/run.log keeps every traceback).
    """
    if debug:
        logger.opt(exception=error).error("Traceback:")
    elif error.__cause__ is not None:
        logger.opt(exception=error.__cause__).debug("Cause:")
    print(f"error: {error.render()}", file=sys.stderr)
    if error.__cause__ is not None and not debug:
        print("(run with --debug to see the traceback; it is also in the experiment's logs/run.log)",
              file=sys.stderr)


def exit_code(call, debug: bool = False) -> int:
    """`call()`'s exit code (0 when it returns None), or 2 with the message printed when it raises a
    `GinpipeError` (130 for `RunInterrupted`): what the `ginpipe` command, and each sweep member's job, end with."""
    from ..errors import EXIT_INTERRUPTED, GinpipeError, RunInterrupted

    try:
        code = call()
    except RunInterrupted as e:  # not an error: what finished is saved, and it says how to go on
        print(e.render(), file=sys.stderr)
        return EXIT_INTERRUPTED
    except GinpipeError as e:
        print_error(e, debug)
        return 2
    return 0 if code is None else code
