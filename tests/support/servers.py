"""Servers the tests start as a user would (`mlflow server`, the Gradio demo): a free port to start
one on, and waiting until it answers.

`wait_until_serving` fails the test, naming the server and showing its whole log, when the server
exits first or does not answer within the timeout.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

__all__ = ["free_port", "wait_until_serving"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, *, name: str, timeout: float) -> None:
    """Return once `url` answers 200; fail the test if `server` exits first or `timeout` seconds pass.

    `name` is how the failure names the server ("mlflow server", "the demo"); `log` is the file its
    output goes to, shown in full in the failure.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{name} exited with code {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"{name} did not answer {url} within {timeout:g} s:\n{log.read_text()}")
