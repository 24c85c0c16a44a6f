"""The demo served by `ginpipe-demo`, called through gradio_client as another program would."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(demo_url):
    from gradio_client import Client

    return Client(demo_url, verbose=False)


def _class_map(experiment) -> dict:
    return json.loads((experiment / "model" / "summary.json").read_text())["classes"]


def _classify(client, path):
    from gradio_client import handle_file

    return client.predict(handle_file(str(path)), api_name="/classify")


def test_a_wav_file_gets_a_probability_for_every_class(client, trained_experiment, tmp_path):
    clip = sorted((trained_experiment / "model" / "examples").iterdir())[0]
    label, spectrogram, notes = _classify(client, clip)
    confidences = {c["label"]: c["confidence"] for c in label["confidences"]}
    assert set(confidences) == set(_class_map(trained_experiment))
    assert sum(confidences.values()) == pytest.approx(1.0, abs=1e-5)
    assert label["label"] == max(confidences, key=confidences.get)
    assert spectrogram and notes.startswith(f"Input: {sf.info(clip).duration:.2f} s, 16000 Hz, 1 channel")


def test_non_audio_gets_a_message_and_the_next_request_is_served(client, trained_experiment, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not audio\n")
    label, spectrogram, notes = _classify(client, text)
    assert "could not be read as audio" in notes and "notes.txt" in notes and "WAV" in notes
    assert spectrogram is None and not label
    clip = sorted((trained_experiment / "model" / "examples").iterdir())[-1]
    label, _, _ = _classify(client, clip)
    assert label["label"] in _class_map(trained_experiment)


def test_bad_audio_gets_messages_not_crashes(client, trained_experiment, tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    sf.write(tmp_path / "silence.wav", np.zeros(16000, np.float32), 16000)
    sf.write(tmp_path / "nan.wav", np.full(16000, np.nan, np.float32), 16000, subtype="FLOAT")
    (tmp_path / "truncated.wav").write_bytes((sorted((trained_experiment / "model" / "examples").iterdir())[0])
                                             .read_bytes()[:30])
    expected = {"empty.wav": "is empty", "silence.wav": "is silent", "nan.wav": "NaN",
                "truncated.wav": "could not be read as audio"}
    for name, message in expected.items():
        label, _, notes = _classify(client, tmp_path / name)
        assert message in notes and name in notes, (name, notes)
        assert not label
