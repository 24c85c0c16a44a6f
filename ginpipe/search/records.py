"""A study's folder against its storage: the trials its folders record must be the storage's trials.

Each finished trial leaves `trial-NNNN/trial.json` (number, state, value, parameters). Rerun with
another `--storage`, or after `study.db` was deleted or emptied, the storage would hand out the same
numbers again and the study would overwrite those records with other trials. So a storage that lacks
a recorded trial, or holds it with other parameters or another outcome, is refused before anything is
written, naming the trials and the storage the folder's `study.json` says the study was made in.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import ExperimentError
from ..experiment.statuses import TrialState
from ..files import read_json
from ..runs.study_storage import shown, sqlite_path

__all__ = ["recorded_trials", "check_storage_file", "check_records"]

# trial.json's state -> the name of optuna's TrialState it records
_STATES = {TrialState.COMPLETE: "COMPLETE", TrialState.PRUNED: "PRUNED", TrialState.FAILED: "FAIL"}


def recorded_trials(folder: Path) -> dict[int, dict]:
    """The trials the study's folder records, by number (a trial.json that cannot be read is left out)."""
    found = {}
    for path in sorted(Path(folder).glob("trial-*/trial.json")):
        try:
            record = read_json(path, None)
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and isinstance(record.get("number"), int) and record.get("state") in _STATES:
            found[record["number"]] = record
    return found


def check_storage_file(folder: Path, storage: str, recorded: dict[int, dict]) -> None:
    """Refuse, before opening it, a sqlite storage that is gone or empty while the folder records trials
    (opening it would create a new, empty study there)."""
    path = sqlite_path(storage)
    if not recorded or path is None or (path.is_file() and path.stat().st_size > 0):
        return
    state = "was emptied" if path.exists() else "does not exist"
    raise _mismatch(folder, storage, recorded, f"its storage {path} {state}")


def check_records(folder: Path, storage: str, recorded: dict[int, dict], existing) -> None:
    """Refuse a storage whose study (`existing`, None when it has none) lacks or contradicts a recorded trial."""
    if not recorded:
        return
    trials = {t.number: t for t in existing.get_trials(deepcopy=False)} if existing is not None else {}
    wrong = []
    for number, record in sorted(recorded.items()):
        trial = trials.get(number)
        if trial is None:
            wrong.append(f"trial-{number:04d} (not in the storage)")
        elif _plain(trial.params) != _plain(record.get("params")):
            wrong.append(f"trial-{number:04d} (other parameters in the storage)")
        elif trial.state.name != _STATES[record["state"]]:
            wrong.append(f"trial-{number:04d} ({trial.state.name.lower()} in the storage, {record['state']} in"
                         " its trial.json)")
    if wrong:
        listed = ", ".join(wrong[:5]) + (f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
        raise _mismatch(folder, storage, recorded, f"its storage {shown(storage)} does not hold them: {listed}")


def _plain(params) -> str:
    return json.dumps(params or {}, sort_keys=True, default=str)


def _mismatch(folder: Path, storage: str, recorded: dict, why: str) -> ExperimentError:
    made_in = (read_json(Path(folder) / "study.json", None) or {}) if (Path(folder) / "study.json").is_file() else {}
    made_in = made_in.get("storage") if isinstance(made_in, dict) else None
    hint = ("Run the search with the storage its trials were made in"
            + (f" (study.json names it: --storage {made_in})" if made_in and made_in != shown(storage) else "")
            + ", or give this search a folder of its own: --experiment-name NAME. Nothing was written.")
    return ExperimentError(f"The study folder {folder} records {len(recorded)} trial(s), but {why}.", hint=hint)
