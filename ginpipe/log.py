"""ginpipe's log lines: written by ginpipe itself until project code runs, through loguru after.

Importing loguru takes about 55 ms (it imports asyncio and multiprocessing): more than all the rest
of a fully cached rerun, a `--dry-run` or a config error. Those runs execute no project code, and
write their few lines here, in the format the loguru sinks use. Before ginpipe runs project code (a
task, a task's module imported to run it, a model bundle: `use_loguru`), and whenever it finds loguru
imported by something else, the console and the open log files become loguru sinks, and every line
after that, ginpipe's and the tasks', goes through loguru, in order, to the same streams. So
`from loguru import logger` in a task logs to the console and logs/run.log as always.

Only the CLI owns the console (`own_console`). Called from Python (`ginpipe.run()`), ginpipe logs
through loguru from its first line, to whatever sinks the caller set up.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import time

__all__ = ["logger", "own_console", "use_loguru", "add_file", "remove_sink", "CONSOLE_FORMAT", "FILE_FORMAT"]

CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> | <level>{level: <7}</level> | {message}"
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {message}"
_LEVELS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
# What loguru's <green> and <level> markups write for each level (its default level colours).
_GREEN, _RESET = "\x1b[32m", "\x1b[0m"
_LEVEL_COLOUR = {"TRACE": "\x1b[36m\x1b[1m", "DEBUG": "\x1b[34m\x1b[1m", "INFO": "\x1b[1m",
                 "SUCCESS": "\x1b[32m\x1b[1m", "WARNING": "\x1b[33m\x1b[1m", "ERROR": "\x1b[31m\x1b[1m",
                 "CRITICAL": "\x1b[41m\x1b[1m"}


class _Sink:
    """A stream that takes records from `level` on: the console (which skips `file_only` records,
    in colour where loguru would colour it) or a log file."""

    def __init__(self, stream, level: str, console: bool):
        self.stream, self.level, self.console = stream, level.upper(), console
        self.colour = console and _should_colorize(stream)
        self.loguru_id: int | None = None

    def wants(self, level: str, extra: dict) -> bool:
        return _LEVELS[level] >= _LEVELS[self.level] and not (self.console and extra.get("file_only"))

    def line(self, level: str, message: str, now: float) -> str:
        local = time.localtime(now)  # time, not datetime: one module less to import per run
        if not self.console:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", local)
            return f"{stamp}.{int(now % 1 * 1000):03d} | {level: <7} | {message}\n"
        stamp = time.strftime("%H:%M:%S", local)
        if self.colour:
            return f"{_GREEN}{stamp}{_RESET} | {_LEVEL_COLOUR[level]}{level: <7}{_RESET} | {message}\n"
        return f"{stamp} | {level: <7} | {message}\n"

    def add_to_loguru(self, loguru_logger) -> None:
        if self.console:
            self.loguru_id = loguru_logger.add(self.stream, level=self.level, format=CONSOLE_FORMAT, colorize=None,
                                               filter=lambda record: not record["extra"].get("file_only"))
        else:
            self.loguru_id = loguru_logger.add(self.stream, level=self.level, colorize=False, format=FILE_FORMAT,
                                               backtrace=False, diagnose=False)


def _should_colorize(stream) -> bool:
    """loguru's rule for `colorize=None` on a stream (outside Jupyter, which never runs the CLI)."""
    if stream is sys.__stdout__ or stream is sys.__stderr__:
        if "CI" in os.environ and any(ci in os.environ for ci in
                                      ("TRAVIS", "CIRCLECI", "APPVEYOR", "GITLAB_CI", "GITHUB_ACTIONS")):
            return True
        if "PYCHARM_HOSTED" in os.environ:
            return True
    try:
        return stream.isatty()
    except Exception:  # a stream that cannot say is not a terminal
        return False


class _Hub:
    """Where ginpipe's records go: its own sinks while `direct`, else loguru."""

    def __init__(self):
        self.direct = False  # until the CLI owns the console
        self.console: _Sink | None = None
        self.files: list[_Sink] = []
        self.lock = threading.RLock()

    def sinks(self) -> list[_Sink]:
        return ([self.console] if self.console else []) + self.files

    def wants(self, level: str, extra: dict) -> bool:
        return any(sink.wants(level, extra) for sink in self.sinks())

    def write(self, level: str, message: str, extra: dict) -> None:
        now = time.time()
        for sink in self.sinks():
            if sink.wants(level, extra):
                sink.stream.write(sink.line(level, message, now))
                if hasattr(sink.stream, "flush"):  # as loguru's stream sinks do, line by line
                    sink.stream.flush()

    def hand_over(self, loguru_logger) -> None:
        """From now on, loguru: the console and the open files become its sinks (its own default
        sink goes, as the CLI has always removed it)."""
        with self.lock:
            if not self.direct:
                return
            loguru_logger.remove()
            for sink in self.sinks():
                sink.add_to_loguru(loguru_logger)
            self.direct = False


_hub = _Hub()
if hasattr(os, "register_at_fork"):  # a warm sweep member is a fork: its lock must not be held by a
    # thread that does not exist in the child (taken around the fork, as `logging` does with its own)
    os.register_at_fork(before=_hub.lock.acquire, after_in_parent=_hub.lock.release,
                        after_in_child=_hub.lock.release)


def _loguru():
    """loguru's logger, ginpipe's sinks handed over to it."""
    from loguru import logger as loguru_logger
    _hub.hand_over(loguru_logger)
    return loguru_logger


def use_loguru() -> None:
    """From now on every line goes through loguru. Called before ginpipe runs project code, which
    may `from loguru import logger` and log: its lines then reach ginpipe's console and log file."""
    if _hub.direct:
        _loguru()


class Logger:
    """The part of loguru's `logger` that ginpipe uses: a level method per level, `bind`, `opt`."""

    def __init__(self, extra: dict | None = None, exception=None):
        self._extra, self._exception = extra or {}, exception

    def bind(self, **extra) -> Logger:
        return Logger({**self._extra, **extra}, self._exception)

    def opt(self, *, exception=None) -> Logger:
        return Logger(self._extra, exception)

    def _log(self, level: str, message: str, *args, **kwargs) -> None:
        with _hub.lock:
            if _hub.direct and "loguru" not in sys.modules:  # imported by a library: hand over below
                if not _hub.wants(level, self._extra):
                    return  # e.g. a debug traceback no sink shows: not worth importing loguru for
                if self._exception is None:
                    _hub.write(level, message.format(*args, **kwargs) if args or kwargs else message, self._extra)
                    return
        # depth=1: loguru records the caller of `info()` etc. (a partial adds no frame of its own)
        _loguru().bind(**self._extra).opt(exception=self._exception, depth=1).log(level, message, *args, **kwargs)

    trace = functools.partialmethod(_log, "TRACE")
    debug = functools.partialmethod(_log, "DEBUG")
    info = functools.partialmethod(_log, "INFO")
    success = functools.partialmethod(_log, "SUCCESS")
    warning = functools.partialmethod(_log, "WARNING")
    error = functools.partialmethod(_log, "ERROR")
    critical = functools.partialmethod(_log, "CRITICAL")


logger = Logger()


def own_console(stream, level: str) -> None:
    """The CLI's console: records from `level` on go to `stream` (file_only ones do not), and to no
    sink the CLI did not add (loguru's default one goes, as it always has)."""
    with _hub.lock:
        _hub.console = _Sink(stream, level, console=True)
        _hub.direct = True
        loaded = sys.modules.get("loguru")
        if loaded is not None:  # loaded already (a test process, a warm launcher): use it now
            _hub.hand_over(loaded.logger)


def add_file(stream, level: str) -> _Sink:
    """Copy records from `level` on to `stream` (a log file) until `remove_sink`."""
    sink = _Sink(stream, level, console=False)
    with _hub.lock:
        _hub.files.append(sink)
        if not _hub.direct:
            sink.add_to_loguru(_loguru())
    return sink


def remove_sink(sink: _Sink) -> None:
    with _hub.lock:
        _hub.files.remove(sink)
        if sink.loguru_id is not None:
            sys.modules["loguru"].logger.remove(sink.loguru_id)
