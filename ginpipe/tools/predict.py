"""`ginpipe predict EXPERIMENT INPUT...`: class probabilities for new audio files, by the experiment's own code.

The runner knows nothing of models or audio. The experiment's model bundle names, in
`model/bundle.json`, the project function that uses it (`"predict": "tasks.predict:predict_files"`),
the way a model hub's config names its loader; this tool checks the folder and the output path,
imports that function from the project folder (the working folder, as a run does) and calls it:

    predict(model_folder, inputs, output=..., top_k=..., batch_size=..., device=..., max_seconds=...,
            progress=...) -> report with `.predicted` (files classified) and `.skipped` ([(input, why)])

Exit codes: 0 when every input was classified; 1 when some were skipped (listed on stderr; the
others' predictions are written); 2 when nothing could be (an error, as for any bad input).
"""
from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from ..config.registry.source_modules import is_project_module
from ..errors import ExperimentError, GinpipeError
from ..experiment.folder_safety import is_marked

__all__ = ["predict_command", "ENTRY_FILE"]

ENTRY_FILE = "bundle.json"


def predict_command(experiment: str, inputs: Sequence[str], output: str | None = None, top_k: int = 5,
                    batch_size: int = 64, device: str = "auto", max_seconds: float | None = None,
                    progress: bool = True) -> int:
    """Check, then hand over to the bundle's `predict` entry point; the exit code (0, 1 some skipped)."""
    model_folder = model_bundle_folder(Path(experiment))
    entry = _entry_point(model_folder)
    target = None if output in (None, "-") else _check_output(Path(output))
    if target is not None and any(Path(given).resolve() == target.resolve() for given in inputs):
        raise GinpipeError(f"--output {target} is one of the inputs: it would be overwritten.",
                           hint=f"Write elsewhere, e.g. --output {target.with_name('predictions' + target.suffix)}.")
    if top_k < 1 or batch_size < 1:
        raise GinpipeError(f"--top-k and --batch-size must be at least 1, got {top_k} and {batch_size}.")
    from ..runs.prepare import run_scope

    with run_scope():  # the project folder importable, as in a run
        predict = _import_entry(entry, model_folder)
        report = predict(model_folder, list(inputs), output=target, top_k=top_k, batch_size=batch_size,
                         device=device, max_seconds=max_seconds, progress=progress)
    return _report(report, len(inputs), target)


def model_bundle_folder(experiment: Path) -> Path:
    """`experiment/model`, refused with a fix when the folder is no experiment or has no bundle."""
    if experiment.name == "model" and (experiment / ENTRY_FILE).is_file():
        return experiment  # the bundle folder itself
    if not experiment.is_dir():
        raise ExperimentError(f"{experiment} does not exist.",
                              hint="Give an experiment folder, e.g. experiments/<project>/<name>"
                                   " (`ginpipe status experiments/<project>` lists them).")
    model = experiment / "model"
    if not is_marked(experiment) and not model.is_dir():
        raise ExperimentError(f"{experiment} is not an experiment folder (ginpipe did not create it).",
                              hint="Give an experiment folder, e.g. experiments/<project>/<name>"
                                   " (`ginpipe status experiments/<project>` lists them).")
    if not model.is_dir():
        raise ExperimentError(f"{experiment} has no model bundle (model/): its pipeline never exported one.",
                              hint="Add the task that writes it and run the experiment again with --resume"
                                   " (finished tasks come from the cache), e.g. in a config:"
                                   " `execute_pipeline.tasks += [@export_model]`.")
    if not (model / ENTRY_FILE).is_file():
        raise ExperimentError(f"{model} has no {ENTRY_FILE}: it was written by an older export_model, which"
                              " did not name the code that predicts with it.",
                              hint="Run the experiment's command again with --resume: export_model reruns"
                                   " (its code changed) and writes it; training comes from the cache.")
    return model


def _entry_point(model: Path) -> str:
    path = model / ENTRY_FILE
    try:
        entry = json.loads(path.read_text()).get("predict")
    except (OSError, ValueError, AttributeError) as error:
        raise ExperimentError(f"{path} cannot be read: {error}.",
                              hint="Run the experiment again with --resume to rewrite its model bundle.") from None
    if not isinstance(entry, str) or entry.count(":") != 1 or not all(entry.split(":")):
        raise ExperimentError(f"{path}: `predict` must name a function as 'module:function', not {entry!r}.")
    return entry


def _check_output(output: Path) -> Path:
    """Refuse, before any work, an output that cannot be written; the file itself is written atomically."""
    if output.is_dir():
        raise GinpipeError(f"--output {output} is a folder.", hint="Give a file name, e.g. --output predictions.csv.")
    if output.suffix.lower() not in (".csv", ".parquet"):
        raise GinpipeError(f"--output {output}: the predictions are written as .csv or .parquet.",
                           hint=f"Name the file {output.with_suffix('.csv')}.")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise GinpipeError(f"--output {output}: the folder {folder} does not exist.",
                           hint=f"Create it first (mkdir -p {folder}) or write elsewhere.")
    if not os.access(folder, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise GinpipeError(f"--output {output} cannot be written (permission denied).",
                           hint="Write it to a folder of yours, e.g. --output ./predictions.csv.")
    return output


def _import_entry(entry: str, model: Path):
    """The function `entry` names, imported from the project folder only (a bundle may come from elsewhere)."""
    module_name, _, attribute = entry.partition(":")
    # `tasks` is a project's task package by ginpipe's convention, in the working folder or installed.
    if not is_project_module(module_name, excluding=model.parent, packages=("tasks",)):
        raise ExperimentError(f"{model / ENTRY_FILE} names `{entry}`, which is neither code of"
                              f" the project in the working folder ({Path.cwd().resolve()}) nor of its tasks package.",
                              hint="Run `ginpipe predict` from the project folder that trained the experiment"
                                   " (the one holding its tasks/).")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ExperimentError(f"{model / ENTRY_FILE} names `{entry}`, which cannot be imported: {error}.",
                              hint="Run `ginpipe predict` with the version of the project that trained it.") from None
    return function


def _report(report, given: int, output: Path | None) -> int:
    skipped = list(report.skipped)
    if skipped:
        lines = "\n".join(f"  {path}: {why}" for path, why in skipped[:50])
        more = f"\n  ... and {len(skipped) - 50} more" if len(skipped) > 50 else ""
        print(f"skipped {len(skipped)} input(s) that could not be classified:\n{lines}{more}", file=sys.stderr)
    left_out = dict(getattr(report, "left_out", {}) or {})
    if left_out:
        kinds = ", ".join(f"{suffix} ({n})" for suffix, n in sorted(left_out.items()))
        print(f"left out {sum(left_out.values())} file(s) of the folders that are not audio: {kinds}", file=sys.stderr)
    if report.predicted == 0:
        raise GinpipeError(f"No file could be classified (of {given} input(s) given); nothing was written.",
                           hint="Give audio files, folders holding audio, or a manifest with a `path` column.")
    if output is not None:
        print(f"predicted {report.predicted} file(s): {output}", file=sys.stderr)
    return 1 if skipped else 0
