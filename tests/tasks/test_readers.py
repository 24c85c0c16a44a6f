import pandas as pd
import pytest

from tasks.datasets.readers import read_esc50, read_folder, read_gtzan, read_manifest, read_speech_commands


def test_folder_reader_finds_nested_files_of_every_extension(folder_dataset):
    frame = read_folder(folder_dataset)
    assert len(frame) == 9
    assert frame.groupby("label").size().to_dict() == {"high": 3, "low": 3, "mid": 3}
    assert not frame["path"].str.endswith(".txt").any()
    assert read_folder(folder_dataset, exclude=["low"])["label"].nunique() == 2


def test_folder_reader_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_folder(tmp_path / "nope")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_manifest_resolves_relative_paths_and_keeps_columns(tmp_path, suffix, write_tone):
    write_tone(tmp_path / "audio" / "x.wav", 440)
    table = pd.DataFrame({"file": ["audio/x.wav"], "class": ["tone"], "speaker": ["s1"]})
    manifest = tmp_path / f"m{suffix}"
    table.to_csv(manifest, index=False) if suffix == ".csv" else table.to_parquet(manifest)
    frame = read_manifest(manifest, path_column="file", label_column="class")
    assert frame.loc[0, "path"] == str((tmp_path / "audio" / "x.wav").resolve())
    assert frame.loc[0, "label"] == "tone" and frame.loc[0, "speaker"] == "s1"
    with pytest.raises(KeyError, match="has no column"):
        read_manifest(manifest, label_column="genre")


def test_gtzan_layout(tmp_path, write_tone):
    for genre in ("blues", "jazz"):
        for i in range(2):
            write_tone(tmp_path / "genres_original" / genre / f"{genre}.0000{i}.wav", 300)
    frame = read_gtzan(tmp_path)
    assert sorted(frame["label"].unique()) == ["blues", "jazz"]
    assert set(frame["track"]) == {"blues.00000", "blues.00001", "jazz.00000", "jazz.00001"}


def test_esc50_layout_keeps_folds_and_source_files(tmp_path, write_tone):
    meta = pd.DataFrame({"filename": ["1-1-A-0.wav", "2-2-A-1.wav"], "fold": [1, 2], "target": [0, 1],
                         "category": ["dog", "rain"], "esc10": [True, False], "src_file": ["1", "2"],
                         "take": ["A", "A"]})
    (tmp_path / "meta").mkdir()
    meta.to_csv(tmp_path / "meta" / "esc50.csv", index=False)
    for name in meta["filename"]:
        write_tone(tmp_path / "audio" / name, 500)
    frame = read_esc50(tmp_path)
    assert frame[["label", "fold", "src_file"]].values.tolist() == [["dog", 1, "1"], ["rain", 2, "2"]]


def test_speech_commands_uses_official_lists_and_speakers(tmp_path, write_tone):
    for word in ("yes", "no"):
        for speaker in ("aa11", "bb22", "cc33"):
            write_tone(tmp_path / word / f"{speaker}_nohash_0.wav", 300)
    write_tone(tmp_path / "_background_noise_" / "noise.wav", 100)
    (tmp_path / "validation_list.txt").write_text("yes/bb22_nohash_0.wav\nno/bb22_nohash_0.wav\n")
    (tmp_path / "testing_list.txt").write_text("yes/cc33_nohash_0.wav\n")
    frame = read_speech_commands(tmp_path)
    assert len(frame) == 6  # background noise excluded
    split = dict(zip(frame["path"].str.split("speech").str[-1].str[-25:], frame["split"]))
    assert sorted(frame["split"].value_counts().items()) == [("test", 1), ("train", 3), ("validation", 2)]
    assert set(frame["speaker"]) == {"aa11", "bb22", "cc33"}
    assert split  # every row got a split
