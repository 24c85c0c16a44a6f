"""Members die with the command that started them.

A sweep's or study's members are its children (forks, or `ginpipe` processes). Killed with SIGKILL,
the command cannot stop them, and they would go on running: a rerun would then find their folders
locked, or run their parameters a second time. On Linux each member asks the kernel for SIGTERM
when its parent dies (`PR_SET_PDEATHSIG`, through ctypes); elsewhere nothing is done.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["death_hook"]

_PR_SET_PDEATHSIG = 1


def death_hook():
    """A function for a just-started child of this process (called between fork and exec, so it only
    calls what is resolved here, in the parent): be sent SIGTERM when the parent dies, and end at once
    if it already has. None where the kernel offers no such request."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no prctl: members may outlive a killed command, as before
        return None
    parent, getppid, end, term = os.getpid(), os.getppid, os._exit, int(signal.SIGTERM)

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, term, 0, 0, 0)
        if getppid() != parent:  # the parent died before the request was made
            end(143)

    return die_with_parent
