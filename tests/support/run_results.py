"""What two runs of the same config must agree on, and whether an experiment folder is whole."""
from __future__ import annotations

import difflib
import json
from pathlib import Path

__all__ = ["results", "difference", "state_problems"]


def results(experiment: Path) -> str:
    """metrics.json without the checkpoint's path, and every epoch's training and validation values.

    The best checkpoint of a short run may come from an early epoch, so that metrics.json alone would
    not see a resumed training that drew other batches: the training curves do. Canonical text, so
    the comparison is exact (and NaN-safe).
    """
    import pandas as pd

    metrics = json.loads((experiment / "metrics.json").read_text())
    metrics.pop("checkpoint")
    log = pd.read_csv(experiment / "logs" / "training" / "metrics.csv")
    epochs = {int(epoch): {k: v for k, v in rows.drop(columns="epoch").max().items() if pd.notna(v)}
              for epoch, rows in log.groupby("epoch")}
    return json.dumps({"metrics.json": metrics, "training log": epochs}, sort_keys=True, indent=1)


def difference(expected: str, found: str) -> str:
    return "\n".join(difflib.unified_diff(expected.splitlines(), found.splitlines(), "expected", "found",
                                          lineterm="", n=0))


def state_problems(experiment: Path) -> list[str]:
    """Every value the index points at loads (what a resume, or `ginpipe.load_state`, would read).

    A run killed inside its first task has saved nothing yet: no index is whole, not broken (the
    resume after it must then start from the beginning, which the caller checks).
    """
    import ginpipe

    if not (experiment / "state" / "index.json").exists():
        return []
    try:
        state = ginpipe.load_state(experiment)
        for key in list(state):
            state[key]
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        return [f"state/index.json: {type(e).__name__}: {e}"]
    return []
