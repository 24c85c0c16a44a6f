"""`-q`: warnings and errors only, from ginpipe and from the libraries a run uses.

Lightning announces the hardware and prints tips through Python's `logging` at INFO, and draws
progress bars; a quiet run shows none of them, nor the deprecation warnings libraries raise about
each other (torch about Lightning's calls, say): the user cannot act on them. A project's own code
(its `tasks` package, a script's `__main__`) still shows its deprecations. The setting travels to tasks
(and sweep members) through the environment: `tasks.fit` turns the progress bar off when `quiet()` is true.
"""
from __future__ import annotations

import logging
import os
import warnings

__all__ = ["make_quiet", "quiet"]

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


def quiet() -> bool:
    """True in a run started with -q."""
    return os.environ.get(_VARIABLE) == "1"
