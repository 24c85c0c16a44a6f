"""The bundle and the classifier behind the demo, checked against the training pipeline itself."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from demos.inference import AudioInputError, Classifier
from ginpipe.errors import ExperimentError
from ginpipe.experiment.folder_safety import mark
from tasks.bundle import BundleError, load_model_bundle, write_model_bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(trained_experiment):
    return load_model_bundle(trained_experiment)


@pytest.fixture(scope="module")
def classifier(bundle):
    return Classifier(bundle, max_seconds=20.0)


def test_weights_are_plain_tensors_loadable_without_pickle(trained_experiment):
    weights = torch.load(trained_experiment / "model" / "weights.pt", weights_only=True)
    assert weights and all(isinstance(v, torch.Tensor) for v in weights.values())
    assert not list((trained_experiment / "model").glob("*.pkl"))


def test_bundle_predicts_what_evaluate_model_predicted(bundle, trained_experiment):
    """Same model, same features: the bundle's logits on the test split equal the checkpoint's."""
    import ginpipe
    from tasks.evaluate import predict_logits
    from tasks.models.checkpoints import load_model_from_checkpoint

    state = ginpipe.load_state(trained_experiment)
    loader = state["dataloaders"]["test"]
    expected, targets = predict_logits(load_model_from_checkpoint(state["best_checkpoint"]), loader)
    got, _ = predict_logits(bundle.model, loader)
    torch.testing.assert_close(got, expected)
    metrics = ginpipe.load_state(trained_experiment)["metrics"]
    assert bundle.classes == metrics["classes"]
    assert bundle.summary["metrics"]["test_accuracy"] == round(metrics["test_accuracy"], 4)


def test_a_test_clip_is_classified_exactly_as_in_evaluation(classifier, bundle, trained_experiment):
    """From the file on disk, through the demo's path, to the probabilities evaluation computed."""
    import ginpipe
    from tasks.evaluate import predict_logits

    state = ginpipe.load_state(trained_experiment)
    metadata = state["dataset_metadata"]
    test_rows = metadata[metadata["split"] == "test"]
    logits, _ = predict_logits(bundle.model, state["dataloaders"]["test"])
    for position in (0, len(test_rows) - 1):
        result = classifier.classify(test_rows["path"].iloc[position])
        expected = logits[position].softmax(-1).numpy()
        np.testing.assert_allclose(list(result.probabilities.values()), expected, atol=1e-5)


def test_channels_are_averaged_and_rates_resampled(classifier, trained_experiment, tmp_path):
    clip = sorted((trained_experiment / "model" / "examples").iterdir())[0]
    mono, rate = sf.read(clip, dtype="float32")
    sf.write(tmp_path / "stereo.wav", np.stack([mono, mono], axis=1), rate)
    stereo = classifier.classify(tmp_path / "stereo.wav")
    np.testing.assert_allclose(list(stereo.probabilities.values()),
                               list(classifier.classify(clip).probabilities.values()), atol=1e-6)
    import torchaudio.functional as F

    sf.write(tmp_path / "44k.wav", F.resample(torch.from_numpy(mono), rate, 44100).numpy(), 44100)
    resampled = classifier.classify(tmp_path / "44k.wav")
    assert "44100 Hz" in resampled.notes[0] and sum(resampled.probabilities.values()) == pytest.approx(1)


def test_long_recordings_are_windowed_and_capped(classifier, bundle, tmp_path):
    rng = np.random.default_rng(0)
    sf.write(tmp_path / "long.wav", 0.1 * rng.standard_normal(25 * 8000).astype(np.float32), 8000)
    result = classifier.classify(tmp_path / "long.wav")
    assert result.seconds_used == pytest.approx(20.0)
    assert any("Only the first 20 s of 25.0 s" in note for note in result.notes)
    windows = [note for note in result.notes if "windows of" in note]
    assert windows and int(windows[0].split()[0]) >= 20 / bundle.window_seconds
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("content, message", [
    (None, "No audio given"),
    (b"", "is empty"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "could not be read as audio"),
    (b"%PDF-1.4\n", "could not be read as audio"),
])
def test_unreadable_input_is_refused_with_a_reason(classifier, tmp_path, content, message):
    path = None
    if content is not None:
        path = tmp_path / "upload.wav"
        path.write_bytes(content)
    with pytest.raises(AudioInputError, match=message):
        classifier.classify(path)


def test_silence_nan_and_too_short_audio_are_refused(classifier, tmp_path):
    sf.write(tmp_path / "silence.wav", np.zeros(8000, np.int16), 16000)
    sf.write(tmp_path / "nan.wav", np.full(8000, np.nan, np.float32), 16000, subtype="FLOAT")
    sf.write(tmp_path / "click.wav", np.ones(100, np.float32) * 0.5, 16000)
    for name, message in (("silence.wav", "is silent"), ("nan.wav", "NaN"), ("click.wav", "ms long")):
        with pytest.raises(AudioInputError, match=message):
            classifier.classify(tmp_path / name)


def test_missing_bundle_is_named(tmp_path):
    with pytest.raises(BundleError, match="model does not exist"):
        load_model_bundle(tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.gin").write_text("")
    with pytest.raises(BundleError, match="model lacks weights.pt"):
        load_model_bundle(tmp_path)


def _marked_experiment(tmp_path):
    """A folder as a run leaves it: ginpipe replaces a bundle only inside a marked experiment."""
    experiment = tmp_path / "experiment"
    experiment.mkdir()
    mark(experiment)
    return experiment


def test_rewriting_a_bundle_replaces_it_whole(bundle, tmp_path):
    folder = _marked_experiment(tmp_path) / "model"
    write_model_bundle(folder, bundle.model, bundle.extractor, {c: i for i, c in enumerate(bundle.classes)}, 0.5,
                       {"note": "first"})
    (folder / "stale.txt").write_text("from the first bundle")
    write_model_bundle(folder, bundle.model, bundle.extractor, {c: i for i, c in enumerate(bundle.classes)}, 0.5,
                       {"note": "second"})
    assert sorted(p.name for p in folder.iterdir()) == ["bundle.json", "config.gin", "summary.json", "weights.pt"]
    assert load_model_bundle(folder).summary == {"note": "second"}
    assert not list((tmp_path / "experiment" / ".tmp").iterdir())


def test_a_failed_write_keeps_the_old_bundle(bundle, tmp_path):
    folder = _marked_experiment(tmp_path) / "model"
    class_map = {c: i for i, c in enumerate(bundle.classes)}
    write_model_bundle(folder, bundle.model, bundle.extractor, class_map, 0.5, {"note": "kept"})
    with pytest.raises(FileNotFoundError):  # an example clip that vanished: fails after half the files
        write_model_bundle(folder, bundle.model, bundle.extractor, class_map, 0.5, {"note": "new"},
                           examples={"gone.wav": tmp_path / "gone.wav"})
    assert load_model_bundle(folder).summary == {"note": "kept"}
    assert not list((tmp_path / "experiment" / ".tmp").iterdir())


def test_loading_and_classifying_unpickle_nothing(trained_experiment, monkeypatch):
    """The bundle is read with gin and torch's weights-only loader: any use of pickle would fail here."""
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("the demo path used pickle")

    class RefusingUnpickler(pickle.Unpickler):
        def __init__(self, *args, **kwargs):
            refuse()

    for name in ("load", "loads"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(pickle, "Unpickler", RefusingUnpickler)
    bundle = load_model_bundle(trained_experiment)
    clip = bundle.examples[0]
    assert sum(Classifier(bundle).classify(clip).probabilities.values()) == pytest.approx(1.0, abs=1e-5)


def test_a_bundle_outside_a_marked_experiment_is_never_replaced(bundle, tmp_path):
    folder = tmp_path / "not-an-experiment" / "model"
    class_map = {c: i for i, c in enumerate(bundle.classes)}
    write_model_bundle(folder, bundle.model, bundle.extractor, class_map, 0.5, {"note": "theirs"})
    with pytest.raises(ExperimentError, match="not inside a folder ginpipe created as an experiment"):
        write_model_bundle(folder, bundle.model, bundle.extractor, class_map, 0.5, {"note": "ours"})
    assert load_model_bundle(folder).summary == {"note": "theirs"}
