import functools

import numpy as np
import pandas as pd
import pytest

from tasks.datasets.load import UnreadableAudioError, load_dataset
from tasks.datasets.readers import read_folder, read_manifest


def test_readers_are_concatenated_and_probed(state, folder_dataset, tmp_path, write_tone):
    extra = tmp_path / "extra"
    write_tone(extra / "other" / "x.wav", 100, seconds=1.0, rate=8000)
    load_dataset(state, [functools.partial(read_folder, folder_dataset), functools.partial(read_folder, extra)])
    meta = state["dataset_metadata"]
    assert len(meta) == 10 and meta["label"].nunique() == 4
    row = meta[meta["label"] == "other"].iloc[0]
    assert (row["sample_rate"], row["frames"], row["channels"], row["duration"]) == (8000, 8000, 1, 1.0)
    assert set(meta.loc[meta["path"].str.endswith(".FLAC"), "channels"]) == {2}
    assert state["rejected_files"].empty


def _with_bad_files(root, write_tone):
    (root / "low" / "empty.wav").write_bytes(b"")
    (root / "mid" / "corrupt.wav").write_bytes(b"RIFF....not really a wav file")
    write_tone(root / "high" / "silent.wav", 100, seconds=0.0)


def test_unreadable_empty_and_zero_length_files_are_reported_and_dropped(state, folder_dataset, write_tone):
    _with_bad_files(folder_dataset, write_tone)
    load_dataset(state, [functools.partial(read_folder, folder_dataset)])
    rejected = state["rejected_files"]
    assert sorted(p.rsplit("/", 1)[-1] for p in rejected["path"]) == ["corrupt.wav", "empty.wav", "silent.wav"]
    reasons = dict(zip(rejected["path"].str.rsplit("/", n=1).str[-1], rejected["reason"]))
    assert reasons["empty.wav"] == "empty file (0 bytes)"
    assert reasons["silent.wav"] == "zero-length audio (0 frames)"
    assert len(state["dataset_metadata"]) == 9


def test_bad_files_can_fail_the_task_before_training(state, folder_dataset, write_tone):
    _with_bad_files(folder_dataset, write_tone)
    with pytest.raises(UnreadableAudioError, match=r"3 of 12 audio files are unreadable or empty") as raised:
        load_dataset(state, [functools.partial(read_folder, folder_dataset)], on_bad_files="raise")
    assert "empty.wav: empty file (0 bytes)" in str(raised.value)
    assert "load_dataset.on_bad_files = 'drop'" in str(raised.value)


def test_filters_query_strings_and_callables(state, folder_dataset):
    keep_low = lambda frame: frame[frame["label"] == "low"]  # noqa: E731
    load_dataset(state, [functools.partial(read_folder, folder_dataset)],
                 filters=["duration > 0.4", keep_low])
    meta = state["dataset_metadata"]
    assert meta["path"].str.endswith("c.ogg").all() and meta["label"].tolist() == ["low"]


def test_no_reader_is_a_clear_error(state):
    with pytest.raises(ValueError, match=r"load_dataset.reader_fn is empty"):
        load_dataset(state, [])


def test_a_manifest_with_frames_and_sample_rate_is_trusted_and_only_other_rows_are_probed(state, tmp_path,
                                                                                          write_tone):
    write_tone(tmp_path / "real.wav", 440, seconds=0.5, rate=8000, channels=2)
    pd.DataFrame({
        "path": ["never/written/a.wav", "never/written/b.flac", "real.wav", "missing.wav"],
        "label": ["x", "y", "x", "y"],
        "frames": [16000, 32000, None, None],
        "sample_rate": [16000, 16000, None, 22050],
    }).to_parquet(tmp_path / "m.parquet")
    load_dataset(state, [functools.partial(read_manifest, tmp_path / "m.parquet")])
    meta = state["dataset_metadata"]
    # The first two files do not exist: trusted, they were never opened. The last two were probed.
    assert meta["path"].str.rsplit("/", n=1).str[-1].tolist() == ["a.wav", "b.flac", "real.wav"]
    assert meta[["frames", "sample_rate", "duration"]].values.tolist() == [
        [16000, 16000, 1.0], [32000, 16000, 2.0], [4000, 8000, 0.5]]
    assert meta["channels"].tolist() == [pd.NA, pd.NA, 2]
    assert meta["frames"].dtype == np.int64 and meta["sample_rate"].dtype == np.int32
    assert isinstance(meta["path"].array, pd.arrays.ArrowStringArray)
    assert state["rejected_files"]["path"].tolist() == [str(tmp_path / "missing.wav")]
