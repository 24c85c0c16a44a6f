import shutil

import numpy as np
import pytest
import torch

from tasks.features.audio_io import load_audio
from tasks.features.extract import EXTRACTION_COUNTER, extract_features
from tasks.features.extractors import MFCC, Fbank, LogMel, RawWaveform


def test_load_audio_mixes_to_mono_and_resamples(tmp_path, write_tone):
    path = write_tone(tmp_path / "stereo.flac", 440, seconds=0.5, rate=22050, channels=2)
    wave = load_audio(str(path), 16000)
    assert wave.shape == (1, 8000) and wave.dtype == torch.float32
    crop = load_audio(str(path), None, start=100, frames=1000)
    assert crop.shape == (1, 1000)


def test_load_audio_gives_a_mono_file_its_own_samples_and_averages_channels(tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(0)
    left, right = (rng.uniform(-0.5, 0.5, 4000).astype(np.float32) for _ in range(2))
    sf.write(tmp_path / "mono.wav", left, 16000, subtype="FLOAT")
    sf.write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 16000, subtype="FLOAT")
    np.testing.assert_array_equal(load_audio(str(tmp_path / "mono.wav"))[0].numpy(), left)
    np.testing.assert_allclose(load_audio(str(tmp_path / "stereo.wav"))[0].numpy(), (left + right) / 2, atol=1e-7)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_one_non_finite_sample_is_found_among_extreme_finite_ones(bad):
    from tasks.features.shard_jobs import all_finite

    wave = torch.full((1, 100_000), torch.finfo(torch.float32).max)  # sums past float32's range
    wave[0, ::2] = torch.finfo(torch.float32).min
    assert all_finite(wave)
    wave[0, 31_337] = bad
    assert not all_finite(wave)


@pytest.mark.parametrize("extractor, dim", [(LogMel(n_mels=40), 40), (MFCC(n_mfcc=13), 13),
                                            (Fbank(num_mel_bins=23), 23), (RawWaveform(), 1)])
def test_extractors_give_feature_by_frame_arrays(extractor, dim):
    features = extractor(torch.randn(1, 16000) * 0.1)
    assert features.shape[0] == dim
    assert abs(features.shape[1] - extractor.frame_rate) <= 2  # one second of audio
    assert torch.isfinite(features).all()


def test_extractor_pickles_as_settings_only():
    import pickle

    mel = LogMel(n_mels=32)
    mel(torch.zeros(1, 1600))  # builds the lazy transform
    clone = pickle.loads(pickle.dumps(mel))
    assert clone.settings() == mel.settings() and not hasattr(clone, "_transform")


def test_features_cached_by_content_and_settings(featurised_state, tmp_path):
    state = featurised_state
    features = state["features"]
    assert features.feature_dim == 64 and len(features) == len(state["dataset_metadata"])
    first = _features(features, 0)
    np.testing.assert_allclose(first, LogMel()(load_audio(features.audio_paths[0].as_py(), 16000)).numpy(),
                               rtol=1e-5, atol=1e-5)

    before = EXTRACTION_COUNTER["computed"]
    extract_features(state, cache_dir=str(tmp_path / "features"), n_jobs=0, progress=False)
    assert EXTRACTION_COUNTER["computed"] == before  # everything came from the cache

    # Same content under another path (stats differ, the content is hashed): the same features.
    # Other settings: another store.
    meta = state["dataset_metadata"].head(3).copy()
    for i, path in enumerate(meta["path"]):
        copy = tmp_path / "copies" / f"{i}.wav"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(path, copy)
        meta.loc[meta.index[i], "path"] = str(copy)
    state["dataset_metadata"] = meta
    extract_features(state, cache_dir=str(tmp_path / "features"), n_jobs=0, progress=False)
    assert EXTRACTION_COUNTER["computed"] == before
    np.testing.assert_array_equal(_features(state["features"], 0), first)
    extract_features(state, extractor=LogMel(n_mels=32), cache_dir=str(tmp_path / "features"),
                     n_jobs=0, progress=False)
    assert EXTRACTION_COUNTER["computed"] == before + 3
    assert state["features"].cache_key != features.cache_key


def test_parallel_extraction_matches_single_process(state, read_small_synthetic, tmp_path):
    from tasks.datasets.load import load_dataset

    load_dataset(state, [read_small_synthetic])
    extract_features(state, cache_dir=str(tmp_path / "one"), n_jobs=0, progress=False)
    single = state["features"]
    extract_features(state, cache_dir=str(tmp_path / "two"), n_jobs=2, progress=False)
    parallel = state["features"]
    assert parallel.num_frames.tolist() == single.num_frames.tolist()
    for row in range(len(single)):
        np.testing.assert_array_equal(_features(single, row), _features(parallel, row))


def _features(feature_set, row):
    """Row `row`'s features, read from its shard as a training Dataset reads them."""
    from tasks.training_data.dataset import AudioFeatureDataset

    dataset = AudioFeatureDataset(feature_set, np.zeros(len(feature_set), np.int64), np.arange(len(feature_set)))
    return dataset[row][0].numpy()


def test_on_the_fly_mode_computes_nothing_up_front(state, read_small_synthetic, tmp_path):
    from tasks.datasets.load import load_dataset

    load_dataset(state, [read_small_synthetic])
    before = EXTRACTION_COUNTER["computed"]
    extract_features(state, extractor=RawWaveform(), on_the_fly=True, cache_dir=str(tmp_path / "c"))
    assert EXTRACTION_COUNTER["computed"] == before and not (tmp_path / "c").exists()
    assert state["features"].on_the_fly and state["features"].feature_dim == 1
