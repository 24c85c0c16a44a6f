"""Hyperparameter search: a study of trials optuna samples, each trial an experiment of the project.

`plan` reads what the command asks for (`--trials`, `--search`, `!search:` blocks, the objective) with
`space` and `objective`; `study` opens the optuna study in its storage (SQLite in the study's
folder by default) and fails trials whose command died; `execute` runs trials through a sweep
launcher until the study has enough finished ones; `summary` writes study.json and the plots.
optuna is imported only when a study runs.
"""
from __future__ import annotations

__all__: list[str] = []
