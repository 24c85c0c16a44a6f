"""optuna's private names are reached from `ginpipe.search.optuna_internals` only, and what it reaches works."""
from __future__ import annotations

import ast
from pathlib import Path

import optuna

from ginpipe.search.optuna_internals import grid_sampler, reread, trial_id, trial_of

REPO = Path(__file__).resolve().parents[2]
INTERNALS = REPO / "ginpipe" / "search" / "optuna_internals.py"


def _optunas_private_attributes() -> set[str]:
    """Every `self._name` optuna's study, trial, storage and sampler classes set or read."""
    root = Path(optuna.__file__).parent
    names = set()
    for folder in ("study", "trial", "storages", "samplers"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                        and node.attr.startswith("_") and not node.attr.startswith("__")):
                    names.add(node.attr)
    return names


def _uses(path: Path, private: set[str]) -> list[str]:
    """`x._name` (x not `self`/`cls`) with `_name` one of optuna's private attributes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in private:
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in ("self", "cls")):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} uses .{node.attr}")
    return found


def test_only_optuna_internals_touches_optunas_private_names():
    private = _optunas_private_attributes()
    assert {"_trial_id", "_storage", "_all_grids"} <= private
    files = [p for folder in ("ginpipe", "tasks") for p in (REPO / folder).rglob("*.py") if p != INTERNALS]
    assert [use for p in files for use in _uses(p, private)] == []
    assert len(_uses(INTERNALS, private)) >= 3  # the check does see them where they are


def test_a_trial_is_found_again_and_set_by_its_storage_id():
    study = optuna.create_study()
    trial = study.ask()
    frozen = study.get_trials(deepcopy=False)[0]
    assert trial_id(trial) == trial_id(frozen)
    trial_of(study, frozen).set_user_attr("error", "its command died")
    assert reread(study, frozen).user_attrs == {"error": "its command died"}


def test_a_retried_grid_trial_takes_its_own_grid_point_again():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=grid_sampler({"x": [1, 2, 3]}, seed=0))
    first = study.ask()
    x = first.suggest_categorical("x", [1, 2, 3])
    study.tell(first, state=optuna.trial.TrialState.FAIL)
    study.enqueue_trial({"x": x})
    retried = study.ask()
    assert retried.suggest_categorical("x", [1, 2, 3]) == x
    for _ in range(2):
        t = study.ask()
        study.tell(t, t.suggest_categorical("x", [1, 2, 3]))
    study.tell(retried, 0.0)
    assert sorted(t.params["x"] for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE) == [1, 2, 3]
