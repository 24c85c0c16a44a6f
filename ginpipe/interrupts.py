"""Ctrl-C: the run stops, says "interrupted", gives the command that resumes it, and exits 130."""
from __future__ import annotations

from .errors import GinpipeError

__all__ = ["RunInterrupted", "EXIT_INTERRUPTED"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


class RunInterrupted(GinpipeError):
    """The user interrupted the run (Ctrl-C, SIGINT); what finished before is saved."""
