"""`ginpipe predict` through the real command, on a trained experiment: its numbers are the demo's and
evaluation's for the same clip, whatever the file's format, rate and channels; bad inputs are listed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from demos.inference import Classifier
from tasks.bundle import load_model_bundle

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def predict(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ginpipe.cli", "predict", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def probabilities_by_path(table: pd.DataFrame, classes: list[str]) -> dict[str, np.ndarray]:
    """`{path: probabilities in class order}` from a predictions table holding every class."""
    k = len(classes)
    result = {}
    for row in table.itertuples(index=False):
        values = row._asdict()
        by_class = {values[f"class_{i}"]: values[f"probability_{i}"] for i in range(1, k + 1)}
        result[row.path] = np.array([by_class[c] for c in classes])
    return result


@pytest.fixture(scope="module")
def bundle(trained_experiment):
    return load_model_bundle(trained_experiment)


@pytest.fixture(scope="module")
def test_clip(trained_experiment) -> tuple[Path, np.ndarray, int]:
    """The first clip of evaluation's predictions, its samples and rate."""
    table = pd.read_csv(trained_experiment / "predictions_test.csv")
    source = Path(table["path"].iloc[0])
    wave, rate = sf.read(source, dtype="float32")
    return source, wave, rate


@pytest.fixture(scope="module")
def mixed_folder(test_clip, tmp_path_factory) -> Path:
    """One test clip as wav, stereo flac, ogg at 22.05 kHz, mp3 at 44.1 kHz and 8 kHz wav; plus a text
    file, a broken wav and a folder below."""
    import torchaudio.functional as F

    _, wave, rate = test_clip
    folder = tmp_path_factory.mktemp("new") / "recordings"
    (folder / "deeper").mkdir(parents=True)
    resampled = {r: F.resample(torch.from_numpy(wave), rate, r).numpy() for r in (8000, 22050, 44100)}
    sf.write(folder / "same.wav", wave, rate)
    sf.write(folder / "stereo.flac", np.stack([wave, wave], axis=1), rate)
    sf.write(folder / "deeper" / "rate22k.ogg", resampled[22050], 22050)
    sf.write(folder / "rate44k.mp3", resampled[44100], 44100)
    sf.write(folder / "rate8k.WAV", resampled[8000], 8000)
    (folder / "notes.txt").write_text("not audio")
    (folder / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    return folder


def test_a_mixed_folder_is_classified_as_the_demo_and_evaluation_classify_it(
        trained_experiment, bundle, mixed_folder, test_clip, tmp_path):
    output = tmp_path / "predictions.csv"
    missing = tmp_path / "missing.wav"
    done = predict(trained_experiment, mixed_folder, missing, "--output", output, "--top-k", len(bundle.classes))

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert ("skipped 2 input(s) that could not be classified:\n"
            f"  {missing}: does not exist\n"
            f"  {mixed_folder / 'broken.wav'}: `broken.wav` could not be read as audio") in done.stderr
    assert "left out 1 file(s) of the folders that are not audio: .txt (1)" in done.stderr
    assert f"predicted 5 file(s): {output}" in done.stderr
    assert "predict: 100%|" in done.stderr and "| 6/6 " in done.stderr  # the progress bar, over the audio files found
    table = pd.read_csv(output)
    names = sorted(Path(p).relative_to(mixed_folder).as_posix() for p in table["path"])
    assert names == ["deeper/rate22k.ogg", "rate44k.mp3", "rate8k.WAV", "same.wav", "stereo.flac"]
    assert (table["windows"] == 1).all()
    got = probabilities_by_path(table, bundle.classes)

    classifier = Classifier(bundle)
    for path, probabilities in got.items():
        demo = np.array(list(classifier.classify(path).probabilities.values()))
        np.testing.assert_allclose(probabilities, demo, atol=2e-6, err_msg=path)

    evaluation = probabilities_by_path(pd.read_csv(trained_experiment / "predictions_test.csv"), bundle.classes)
    expected = evaluation[str(test_clip[0])]
    for lossless in ("same.wav", "stereo.flac"):
        np.testing.assert_allclose(got[str(mixed_folder / lossless)], expected, atol=2e-6)
    assert got[str(mixed_folder / "same.wav")].sum() == pytest.approx(1.0, abs=1e-5)


def test_a_manifest_gives_the_python_apis_numbers_and_a_parquet_file(trained_experiment, bundle, mixed_folder,
                                                                     tmp_path):
    manifest = mixed_folder.parent / "manifest.csv"
    pd.DataFrame({"path": ["recordings/same.wav", "recordings/deeper/rate22k.ogg"], "note": ["a", "b"]}).to_csv(
        manifest, index=False)
    output = tmp_path / "out.parquet"
    done = predict(trained_experiment / "model", manifest, "-o", output, "--top-k", "2", "--batch-size", "1", "-q")
    assert done.returncode == 0, done.stderr
    assert "predict:" not in done.stderr  # -q: no progress bar
    table = pd.read_parquet(output)
    assert list(table.columns) == ["path", "class_1", "probability_1", "class_2", "probability_2", "windows"]
    python = bundle.predict([manifest]).table(2)
    pd.testing.assert_frame_equal(table, python)


def test_a_long_recording_is_averaged_over_windows_as_in_the_demo(trained_experiment, bundle, test_clip, tmp_path):
    _, wave, rate = test_clip
    long = tmp_path / "long.wav"
    sf.write(long, np.concatenate([wave] * 5 + [wave[::-1]] * 3), rate)
    done = predict(trained_experiment, long, "--top-k", len(bundle.classes))  # CSV on stdout
    assert done.returncode == 0, done.stderr
    from io import StringIO
    table = pd.read_csv(StringIO(done.stdout))
    assert table["windows"].iloc[0] > 1
    demo = Classifier(bundle).classify(long)
    assert any(f"{table['windows'].iloc[0]} windows of" in note for note in demo.notes)
    np.testing.assert_allclose(probabilities_by_path(table, bundle.classes)[str(long)],
                               list(demo.probabilities.values()), atol=2e-6)


def test_nothing_classifiable_is_an_error_and_writes_nothing(trained_experiment, tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    output = tmp_path / "predictions.csv"
    done = predict(trained_experiment, tmp_path / "empty.wav", "--output", output)
    assert done.returncode == 2
    assert f"  {tmp_path / 'empty.wav'}: `empty.wav` is empty (0 bytes)" in done.stderr
    assert "error: No file could be classified (of 1 input(s) given); nothing was written." in done.stderr
    assert "Traceback" not in done.stderr and not output.exists()


def test_a_manifest_without_a_path_column_is_named(trained_experiment, tmp_path):
    manifest = tmp_path / "list.csv"
    pd.DataFrame({"file": ["a.wav"]}).to_csv(manifest, index=False)
    done = predict(trained_experiment, manifest)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"error: Manifest {manifest} has no `path` column; its columns are 'file'." in done.stderr
    assert "Name the column of audio file paths `path`." in done.stderr


@pytest.mark.parametrize("device, message", [
    ("abacus", "error: --device 'abacus' is not a device name."),
    ("cuda:7", "error: --device cuda:7: no such CUDA GPU is visible here"),
])
def test_a_device_that_is_not_here_is_named(trained_experiment, test_clip, device, message):
    if device.startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    done = predict(trained_experiment, test_clip[0], "--device", device)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr
