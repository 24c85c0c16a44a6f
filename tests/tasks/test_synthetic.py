import json

import numpy as np
import pytest

from tasks.datasets import synthetic
from tasks.datasets.synthetic import (SYNTHETIC_CLASSES, clip_counts, generate_synthetic_dataset, read_synthetic,
                                      synthesize_clip, synthetic_classes)
from tasks.datasets.synth_dsp import harmonics
from tasks.datasets.synthetic_sources import SOURCES

SR = 16000


def test_at_least_eight_classes_and_clips_are_deterministic_but_varied():
    for difficulty in ("hard", "easy"):
        classes = synthetic_classes(difficulty)
        assert len(classes) >= 8
        a, b = synthesize_clip("bell", 3, difficulty=difficulty), synthesize_clip("bell", 3, difficulty=difficulty)
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32 and np.abs(a).max() <= 1.0
        for other in (synthesize_clip("bell", 4, difficulty=difficulty),
                      synthesize_clip("bell", 3, seed=1, difficulty=difficulty)):
            assert len(other) != len(a) or not np.allclose(other, a)
    assert SYNTHETIC_CLASSES == synthetic_classes("hard")


def test_easy_classes_differ_in_spectrum():
    """The average spectral centroid separates a low class from a high one (clips vary around it)."""
    def centroid(x):
        spectrum = np.abs(np.fft.rfft(x))
        return (spectrum * np.fft.rfftfreq(len(x), 1 / SR)).sum() / spectrum.sum()

    low = np.mean([centroid(synthesize_clip("bass_pluck", i, difficulty="easy")) for i in range(20)])
    high = np.mean([centroid(synthesize_clip("hihat", i, difficulty="easy")) for i in range(20)])
    assert low < 0.7 * high


def test_hard_clips_vary_in_length_level_and_clipping_like_recordings():
    clips = [synthesize_clip(label, i, duration=1.0) for label in SYNTHETIC_CLASSES for i in range(6)]
    lengths = np.array([len(c) for c in clips]) / SR
    assert lengths.min() >= 0.6 and lengths.max() <= 1.4 and lengths.std() > 0.1
    peaks_db = 20 * np.log10([np.abs(c).max() for c in clips])
    assert peaks_db.max() - peaks_db.min() > 15  # recorded at very different levels
    # Clipped clips have flat tops: many samples at their peak magnitude; clean ones have a few.
    at_peak = np.array([np.sum(np.abs(c) >= np.abs(c).max() * (1 - 1e-6)) for c in clips])
    assert 0 < np.sum(at_peak > 20) < len(clips) / 3


def _band_energy(x: np.ndarray, centre: float, width: float = 30.0) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return float(spectrum[np.abs(freqs - centre) < width].sum())


def _source(label: str, i: int, pitch: float = 1.0, tempo: float = 1.0, seconds: float = 1.0) -> np.ndarray:
    """A clean source (no room, scene or channel), from a generator shared by a pair's two classes."""
    t = np.arange(int(SR * seconds)) / SR
    return SOURCES[label](np.random.default_rng(i), t, SR, pitch, tempo)


def test_clarinet_and_oboe_differ_in_harmonic_parity_and_overlap_a_little():
    """Even harmonics are weak in a clarinet, as strong as the odd ones in an oboe; the two ranges
    overlap, so that a few clips are ambiguous by design (no model reaches 100 %)."""
    def even_to_odd(label: str, i: int) -> float:
        x = _source(label, i)
        f0 = _f0_of_reed(x)
        even = sum(_band_energy(x, k * f0) for k in (2, 4, 6))
        odd = sum(_band_energy(x, k * f0) for k in (3, 5, 7))
        return even / odd

    clarinet = np.array([even_to_odd("clarinet", i) for i in range(40)])
    oboe = np.array([even_to_odd("oboe", i) for i in range(40)])
    assert np.median(clarinet) < 0.15 and np.median(oboe) > 0.5
    assert np.mean(clarinet < 0.25) >= 0.85 and np.mean(oboe > 0.25) >= 0.85  # mostly apart
    assert clarinet.max() > oboe.min()  # but not always


def _f0_of_reed(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    low = (freqs > 100) & (freqs < 450)
    return float(freqs[low][np.argmax(spectrum[low])])


def test_chirps_differ_only_in_direction():
    """Same drawn parameters: the falling sweeps are the rising ones reversed within each sweep,
    so their long-term spectra match while the pitch moves the other way."""
    def pitch_track(x):
        frames = x[: len(x) // 400 * 400].reshape(-1, 400) * np.hanning(400)
        spectra = np.abs(np.fft.rfft(frames, 4096))
        return np.fft.rfftfreq(4096, 1 / SR)[spectra.argmax(axis=1)], (frames ** 2).sum(axis=1)

    for i in range(3):
        up, down = _source("chirp_up", i), _source("chirp_down", i)
        long_term = [np.abs(np.fft.rfft(x)) for x in (up, down)]
        assert np.corrcoef(*long_term)[0, 1] > 0.8
        slopes = []
        for x in (up, down):
            track, energy = pitch_track(x)
            steps = np.diff(track)[(energy[1:] > energy.max() * 0.1) & (np.abs(np.diff(track)) < 100)]
            slopes.append(np.mean(np.sign(steps[steps != 0])))
        assert slopes[0] > 0.5 and slopes[1] < -0.5


def test_engine_and_motor_differ_in_modulation_rate():
    def modulation_rate(x):
        envelope = np.abs(x).reshape(-1, 160).mean(axis=1)  # 100 Hz envelope
        spectrum = np.abs(np.fft.rfft(envelope - envelope.mean(), 1000))
        freqs = np.fft.rfftfreq(1000, 1 / 100)
        band = (freqs > 2) & (freqs < 30)
        return freqs[band][np.argmax(spectrum[band])]

    for i in range(4):
        for tempo in (0.8, 1.25):
            assert modulation_rate(_source("engine", i, tempo=tempo, seconds=2.0)) < 8.5
            assert modulation_rate(_source("motor", i, tempo=tempo, seconds=2.0)) > 7


def test_generated_once_into_a_folder_keyed_by_settings_and_recipe(tmp_path, monkeypatch):
    folder = generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25)
    files = sorted(folder.rglob("*.wav"))
    assert len(files) == 2 * len(SYNTHETIC_CLASSES)
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25) == folder
    assert [f.stat().st_mtime_ns for f in files] == mtimes  # nothing rewritten
    others = {generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.3),
              generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25, difficulty="easy"),
              generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25, imbalance=2.0)}
    assert folder not in others and len(others) == 3
    assert json.loads((folder / "_COMPLETE.json").read_text())["difficulty"] == "hard"
    # A changed recipe (its version bumped) never reuses audio generated by the old one.
    monkeypatch.setitem(synthetic._VERSIONS, "hard", synthetic._VERSIONS["hard"] + 1)
    assert generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25) != folder


def test_reader_lists_every_clip_with_its_label(tmp_path):
    for difficulty in ("hard", "easy"):
        frame = read_synthetic(tmp_path, clips_per_class=3, duration=0.25, difficulty=difficulty)
        assert len(frame) == 3 * len(synthetic_classes(difficulty))
        assert sorted(frame["label"].unique()) == sorted(synthetic_classes(difficulty))
        assert all(f"/{label}/" in path for path, label in zip(frame["path"], frame["label"]))


def test_long_tail_falls_geometrically_from_the_first_class(tmp_path):
    counts = clip_counts(SYNTHETIC_CLASSES, 40, imbalance=10.0)
    assert counts[SYNTHETIC_CLASSES[0]] == 40 and counts[SYNTHETIC_CLASSES[-1]] == 4
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    frame = read_synthetic(tmp_path, clips_per_class=40, duration=0.25, imbalance=10.0)
    assert frame["label"].value_counts().to_dict() == counts


@pytest.mark.parametrize(("setting", "message"), [({"difficulty": "medium"}, "'easy', 'hard'"),
                                                  ({"imbalance": 0.5}, "at least 1")])
def test_bad_settings_are_refused_naming_the_parameter(tmp_path, setting, message):
    with pytest.raises(ValueError, match=message) as error:
        read_synthetic(tmp_path, clips_per_class=2, duration=0.25, **setting)
    assert f"read_synthetic.{next(iter(setting))}" in str(error.value)
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("f0", [110.0, 1400.0, "vibrato"])
def test_harmonics_by_recurrence_match_the_sines_they_replace(f0):
    """The integer-harmonics shortcut (a recurrence) against one sine per partial: a steady or gliding
    f0, zero amplitudes, and partials past Nyquist that both must skip."""
    t = np.arange(SR) / SR
    f0 = 300 * (1 + 0.2 * np.sin(2 * np.pi * 3 * t)) if f0 == "vibrato" else f0
    amplitudes = [1.0, 0.0, 0.5, 0.3, 0.0, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01]
    by_recurrence = harmonics(f0, t, SR, amplitudes)
    by_sines = harmonics(f0, t, SR, amplitudes, ratios=np.arange(1, len(amplitudes) + 1))
    assert np.abs(by_recurrence - by_sines).max() < 1e-9
    assert np.abs(by_recurrence).max() > 0.5
