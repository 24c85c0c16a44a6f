"""Logging: loguru on the console (configured by the CLI only) and a copy of it all in `logs/run.log`."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from loguru import logger

__all__ = ["configure_console", "log_to_file", "print_error", "exit_code"]

FORMAT = "<green>{time:HH:mm:ss}</green> | <level>{level: <7}</level> | {message}"


def _library_folders_once() -> None:
    """loguru works out the library folders (sysconfig's every scheme, about 3 ms) again for every sink
    it adds; a run adds two. They depend only on sys.path: work them out once per sys.path. A loguru
    without this private hook is left as it is."""
    try:
        from loguru._better_exceptions import ExceptionFormatter
        compute = ExceptionFormatter._get_lib_dirs
    except (ImportError, AttributeError):
        return
    if getattr(compute, "ginpipe_once", False):
        return
    known: dict[tuple[str, ...], list[str]] = {}

    def once() -> list[str]:
        key = tuple(sys.path)
        if key not in known:
            known[key] = compute()
        return list(known[key])

    once.ginpipe_once = True
    ExceptionFormatter._get_lib_dirs = staticmethod(once)


def configure_console(verbosity: int = 0) -> None:
    """-q shows warnings only, default shows progress, -v shows debug details."""
    level = {-1: "WARNING", 0: "INFO"}.get(verbosity, "DEBUG")
    _library_folders_once()
    logger.remove()
    logger.add(sys.stderr, level=level, format=FORMAT, colorize=None,
               filter=lambda record: not record["extra"].get("file_only"))


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

    def __init__(self, stream, log):
        self._stream, self._log = stream, log

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
    log = _LogFile(file)
    sink = logger.add(log, level=level, colorize=False,
                      format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {message}",
                      backtrace=False, diagnose=False)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(stdout, log), _Tee(stderr, log)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        logger.remove(sink)
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
