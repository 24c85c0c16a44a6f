"""ginpipe: run machine-learning experiments described by composable gin-config files.

Importing this package has no side effects: it configures no logging, touches no `sys.path` and
imports no torch; even gin loads only when `run` (or another name below) is first used, so that
`ginpipe --help` answers instantly. Project code (tasks) uses these names and `ginpipe.io`; the
layers behind them are described in docs/architecture.md.
"""
from __future__ import annotations

import importlib

__all__ = ["run", "bind_configs", "State", "execute_pipeline", "load_state", "GinpipeError", "ConfigError",
           "TaskError", "ExperimentError"]
__version__ = "0.1.0"

_HOMES = {"run": "runs.runner", "bind_configs": "config.reading", "State": "cache.shared",
          "execute_pipeline": "runs.engine", "load_state": "cache.loading",
          "GinpipeError": "errors", "ConfigError": "errors", "TaskError": "errors",
          "ExperimentError": "errors"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'ginpipe' has no attribute {name!r}")
