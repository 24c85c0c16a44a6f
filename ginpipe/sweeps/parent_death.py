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

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a just-started child of `parent`: be sent SIGTERM when it dies (and end now if it already did)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the member may outlive a killed command, as before
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(143)
