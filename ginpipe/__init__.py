"""ginpipe: run machine-learning experiments described by composable gin-config files.

Importing this package has no side effects: it configures no logging, touches no `sys.path` and
imports no torch; even gin loads only when `run` (or another name below) is first used, so that
`ginpipe --help` answers instantly.
"""
from __future__ import annotations

import importlib

__all__ = ["run", "bind_configs", "State", "execute_pipeline", "load_state", "GinpipeError", "ConfigError",
           "TaskError", "ExperimentError"]
__version__ = "0.1.0"

_HOMES = {"run": "runner", "bind_configs": "configure", "State": "state", "execute_pipeline": "pipeline",
          "load_state": "loading",
          "GinpipeError": "errors", "ConfigError": "errors", "TaskError": "errors",
          "ExperimentError": "errors"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'ginpipe' has no attribute {name!r}")
