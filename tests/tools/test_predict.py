"""`ginpipe predict`'s refusals, through the real command: each is exit code 2 with a fix, decided
before the project's code (torch) is imported. Predictions themselves: tests/demo/test_predict.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ginpipe.experiment.folder_safety import mark

REPO = Path(__file__).resolve().parents[2]
# The command as the console script runs it, reporting whether anything heavy was imported.
WATCH = ("import sys; from ginpipe.cli import main; code = main(sys.argv[1:]); "
         "print('EXIT', code, sorted(m for m in ('torch', 'tasks', 'soundfile') if m in sys.modules))")


def predict(*args, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WATCH, "predict", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def experiment(tmp_path: Path, bundle: bool = True, entry: bool = True) -> Path:
    folder = tmp_path / "experiments" / "audio" / "run"
    folder.mkdir(parents=True)
    mark(folder)
    if bundle:
        (folder / "model").mkdir()
        if entry:
            (folder / "model" / "bundle.json").write_text(json.dumps({"predict": "tasks.predict:predict_files"}))
    return folder


def refused(done: subprocess.CompletedProcess, *lines: str) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "EXIT 2 []", (done.stdout, done.stderr)  # nothing heavy imported
    for line in lines:
        assert line in done.stderr, done.stderr


HELP = """
import sys
from ginpipe.cli import main
try:
    main(["predict", "--help"])
except SystemExit:
    print(sorted(m for m in ("torch", "tasks", "soundfile", "gin") if m in sys.modules))
"""


def test_help_is_instant_and_imports_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", HELP], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "usage: ginpipe predict [-h] [-o FILE] [--top-k K]" in done.stdout
    assert done.stdout.rstrip().endswith("[]")


def test_a_folder_that_does_not_exist(tmp_path):
    refused(predict(tmp_path / "nope", "a.wav"), f"error: {tmp_path / 'nope'} does not exist.",
            "Give an experiment folder, e.g. experiments/<project>/<name> (`ginpipe status experiments/<project>`"
            " lists them).")


def test_a_folder_that_is_not_an_experiment(tmp_path):
    refused(predict(tmp_path, "a.wav"),
            f"error: {tmp_path} is not an experiment folder (ginpipe did not create it).")


def test_an_experiment_without_a_bundle(tmp_path):
    folder = experiment(tmp_path, bundle=False)
    refused(predict(folder, "a.wav"),
            f"error: {folder} has no model bundle (model/): its pipeline never exported one.",
            "`execute_pipeline.tasks += [@export_model]`")


def test_a_bundle_from_before_bundle_json(tmp_path):
    folder = experiment(tmp_path, entry=False)
    refused(predict(folder, "a.wav"),
            f"error: {folder / 'model'} has no bundle.json: it was written by an older export_model",
            "Run the experiment's command again with --resume: export_model reruns")


def test_an_entry_point_outside_the_project_is_not_imported(tmp_path):
    folder = experiment(tmp_path, entry=False)
    (folder / "model" / "bundle.json").write_text(json.dumps({"predict": "os:system"}))
    refused(predict(folder, "a.wav"),
            f"error: {folder / 'model' / 'bundle.json'} names `os:system`, which is neither code of",
            "Run `ginpipe predict` from the project folder that trained the experiment")


@pytest.mark.parametrize("output, message, fix", [
    ("{tmp}", "error: --output {tmp} is a folder.", "Give a file name, e.g. --output predictions.csv."),
    ("{tmp}/no/such/out.csv", "error: --output {tmp}/no/such/out.csv: the folder {tmp}/no/such does not exist.",
     "Create it first (mkdir -p {tmp}/no/such) or write elsewhere."),
    ("{tmp}/out.txt", "error: --output {tmp}/out.txt: the predictions are written as .csv or .parquet.",
     "Name the file {tmp}/out.csv."),
    ("{tmp}/locked/out.csv", "error: --output {tmp}/locked/out.csv cannot be written (permission denied).",
     "Write it to a folder of yours"),
])
def test_an_output_that_cannot_be_written(tmp_path, output, message, fix):
    folder = experiment(tmp_path)
    (tmp_path / "locked").mkdir()
    os.chmod(tmp_path / "locked", 0o500)
    if "locked" in output and os.access(tmp_path / "locked", os.W_OK):  # root writes anywhere
        pytest.skip("running as root: permissions do not stop writing")
    try:
        fill = {"tmp": str(tmp_path)}
        refused(predict(folder, "a.wav", "--output", output.format(**fill)), message.format(**fill), fix.format(**fill))
    finally:
        os.chmod(tmp_path / "locked", 0o700)


def test_an_entry_point_shipped_inside_the_experiment_is_not_imported(tmp_path):
    folder = experiment(tmp_path, entry=False)
    (folder / "model" / "evil.py").write_text("open('PWNED', 'w').close()\ndef predict(*a, **k):\n    pass\n")
    (folder / "model" / "bundle.json").write_text(json.dumps({"predict": "experiments.audio.run.model.evil:predict"}))
    refused(predict(folder, "a.wav", cwd=tmp_path),
            "names `experiments.audio.run.model.evil:predict`, which is neither code of")
    assert not (tmp_path / "PWNED").exists()


def test_an_output_that_is_an_input_manifest_is_refused(tmp_path):
    folder = experiment(tmp_path)
    manifest = tmp_path / "list.csv"
    manifest.write_text("path\na.wav\n")
    refused(predict(folder, manifest, "--output", manifest),
            f"error: --output {manifest} is one of the inputs: it would be overwritten.",
            f"Write elsewhere, e.g. --output {tmp_path / 'predictions.csv'}.")
    assert manifest.read_text() == "path\na.wav\n"
