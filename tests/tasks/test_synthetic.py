import numpy as np

from tasks.datasets.synthetic import SYNTHETIC_CLASSES, generate_synthetic_dataset, read_synthetic, synthesize_clip


def test_at_least_eight_classes_and_clips_are_deterministic_but_varied():
    assert len(SYNTHETIC_CLASSES) >= 8
    a, b = synthesize_clip("bell", 3), synthesize_clip("bell", 3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(synthesize_clip("bell", 3), synthesize_clip("bell", 4))
    assert not np.allclose(synthesize_clip("bell", 3, seed=1), a)
    assert a.dtype == np.float32 and np.abs(a).max() <= 1.0


def test_classes_differ_in_spectrum():
    """The average spectral centroid separates a low class from a high one (clips vary around it)."""
    def centroid(x):
        spectrum = np.abs(np.fft.rfft(x))
        return (spectrum * np.fft.rfftfreq(len(x), 1 / 16000)).sum() / spectrum.sum()

    low = np.mean([centroid(synthesize_clip("bass_pluck", i)) for i in range(20)])
    high = np.mean([centroid(synthesize_clip("hihat", i)) for i in range(20)])
    assert low < 0.7 * high


def test_generated_once_into_a_folder_keyed_by_settings(tmp_path):
    folder = generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25)
    files = sorted(folder.rglob("*.wav"))
    assert len(files) == 2 * len(SYNTHETIC_CLASSES)
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.25) == folder
    assert [f.stat().st_mtime_ns for f in files] == mtimes  # nothing rewritten
    other = generate_synthetic_dataset(tmp_path, clips_per_class=2, duration=0.3)
    assert other != folder


def test_reader_lists_every_clip_with_its_label(tmp_path):
    frame = read_synthetic(tmp_path, clips_per_class=3, duration=0.25)
    assert len(frame) == 3 * len(SYNTHETIC_CLASSES)
    assert sorted(frame["label"].unique()) == sorted(SYNTHETIC_CLASSES)
    assert all(f"/{label}/" in path for path, label in zip(frame["path"], frame["label"]))
