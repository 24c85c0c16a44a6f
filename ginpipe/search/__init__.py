"""Hyperparameter search: a study of trials optuna samples, each trial an experiment of the project.

`study_plan` reads what the command asks for (`--trials`, `--search`, `!search:` blocks, the objective)
with `space` and `objective`; `study` opens the optuna study in its storage (SQLite in the study's
folder by default) and fails trials whose command died; `trial_jobs` hands trials, asked one by one,
to the sweeps' scheduler until the study has enough finished ones; `study_report` writes study.json
and the plots; `optuna_internals` is the one module that reaches optuna's private names.
optuna is imported only when a study runs.
"""
from __future__ import annotations

__all__: list[str] = []
