"""Whether tracking is on, and the bounds on MLflow's network calls.

Tracking is off unless `--track URI` is given or a config binds the macro `TRACKING_URI`. MLflow
retries a failed request 7 times with backoff and waits 120 s for an answer by default, so a server
that is down would stall a run for minutes: unless the user set them, retries are 0 and the timeout
20 s (a refused connection fails at once), and the first failure turns tracking off for the rest of
the run, so a run loses at most one timeout to it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

from ..log import logger

__all__ = ["MACRO", "tracking_uri", "bound_network_calls", "warn_failure"]

MACRO = "TRACKING_URI"
_BOUNDS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "20",
    # Its "View run at" lines would break stdout's one line per sweep member; the run log names the run.
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
    # MLflow 3 sends usage telemetry by default; a run never talks to anyone but its tracking server.
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


def tracking_uri(flag: str | None, macros: Mapping[str, object]) -> str | None:
    """`--track URI` wins over the config's `TRACKING_URI`; None (off) when neither is set."""
    if flag:
        return flag
    value = macros.get(MACRO)
    return value if isinstance(value, str) and value else None


def bound_network_calls() -> None:
    """MLflow's retries and timeouts, kept short (only those the user did not set)."""
    for name, value in _BOUNDS.items():
        os.environ.setdefault(name, value)


def warn_failure(action: str, error: BaseException) -> None:
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {first[:300]}" if first else type(error).__name__
    logger.warning(f"tracking: {action} failed ({detail}); the experiment goes on, not tracked from here on.")
