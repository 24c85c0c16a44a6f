"""`-q`: warnings and errors only, from ginpipe and from the libraries a run uses.

Lightning announces the hardware and prints tips through Python's `logging` at INFO, and draws
progress bars; a quiet run shows none of them, nor the deprecation warnings libraries raise about
each other (torch about Lightning's calls, say): the user cannot act on them. A project's own code
(its `tasks` package, a script's `__main__`) still shows its deprecations. The setting travels to tasks
(and sweep members) through the environment: `tasks.fit` turns the progress bar off when `quiet()` is true.
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings
from typing import Iterator

from ..environ import variable_set

__all__ = ["make_quiet", "quiet", "quiet_for"]

_VARIABLE = "GINPIPE_QUIET"


def make_quiet() -> None:
    os.environ[_VARIABLE] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")  # tqdm bars drawn by other libraries
    # Lightning sets its loggers to INFO when it is imported (later than this): disabling INFO for
    # the whole `logging` module holds whatever a library does to its loggers. ginpipe logs with loguru.
    logging.disable(logging.INFO)
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
        warnings.filterwarnings("default", category=category, module=r"(tasks|__main__)(\.|$)")


@contextlib.contextmanager
def quiet_for(enabled: bool) -> Iterator[None]:
    """`make_quiet()` for the length of one command, undone after it: a Python session that ran one
    `-q` command (a notebook, a test calling `main`) runs its next command with the console it asks
    for. Processes a command starts meanwhile inherit the quiet environment, as they should."""
    if not enabled:
        yield
        return
    level = logging.root.manager.disable
    tqdm = None if "TQDM_DISABLE" in os.environ else "1"  # the user's own setting stays
    # catch_warnings restores the filters make_quiet adds; variable_set the environment it changes
    with warnings.catch_warnings(), variable_set(_VARIABLE, "1"), variable_set("TQDM_DISABLE", tqdm):
        make_quiet()
        try:
            yield
        finally:
            logging.disable(level)


def quiet() -> bool:
    """True in a run started with -q."""
    return os.environ.get(_VARIABLE) == "1"
