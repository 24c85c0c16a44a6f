import pandas as pd
import pytest

from tasks.datasets.readers import (NoAudioError, read_esc50, read_folder, read_gtzan, read_manifest,
                                    read_speech_commands)


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


@pytest.fixture
def log_lines():
    """Messages loguru logs during the test, one string each."""
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(f"{m.record['level'].name}: {m.record['message']}"))
    yield lines
    logger.remove(sink)


def test_folder_reader_reads_every_format_soundfile_decodes_and_counts_what_it_leaves_out(tmp_path, write_tone,
                                                                                        log_lines):
    root = tmp_path / "mixed"
    for name, fmt in (("a.wav", None), ("b.mp3", "MP3"), ("c.flac", None), ("d.ogg", None), ("e.aiff", None),
                      ("f.au", None), ("g.caf", None)):
        write_tone(root / "tone" / name, 440, fmt=fmt)
    write_tone(root / "hum" / "x.MP3", 100, fmt="MP3")
    (root / "hum" / "notes.txt").write_text("not audio")
    (root / "hum" / "voice.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    (root / "hum" / "._x.MP3").write_bytes(b"\x00\x05\x16\x07")  # a macOS resource fork beside a clip
    (root / "loose.wav").write_bytes(b"")
    (root / "_COMPLETE.json").write_text("{}")  # not audio, beside the class folders: not data, not counted
    (root / ".ginpipe-cache").write_text("")

    frame = read_folder(root)
    assert sorted(p.rsplit("/", 1)[-1] for p in frame["path"]) == [
        "a.wav", "b.mp3", "c.flac", "d.ogg", "e.aiff", "f.au", "g.caf", "x.MP3"]
    assert log_lines == [
        f"WARNING: read_folder {root}: 8 audio files; 4 files left out: 1 .m4a (audio soundfile cannot decode),"
        " 1 .txt (not audio), 1 not inside a class folder, 1 hidden. Convert audio soundfile cannot decode"
        " (e.g. `ffmpeg -i x.m4a x.flac`), or widen read_folder.extensions."]

    log_lines.clear()
    narrow = read_folder(root, extensions=["wav", ".FLAC"])
    assert sorted(narrow["label"]) == ["tone", "tone"]
    assert log_lines[0].startswith(f"WARNING: read_folder {root}: 2 audio files; 10 files left out: 2 .mp3 (not in"
                                   " read_folder.extensions), 1 .aiff (not in read_folder.extensions),")


def test_folder_reader_of_clips_alone_says_so_at_info_level(folder_dataset, log_lines):
    read_folder(folder_dataset)
    assert log_lines == [f"INFO: read_folder {folder_dataset}: 9 audio files; 1 file left out: 1 .txt (not audio)"]


def test_folder_with_only_undecodable_audio_names_the_formats_it_expects(tmp_path):
    (tmp_path / "voice").mkdir()
    (tmp_path / "voice" / "a.m4a").write_bytes(b"x")
    with pytest.raises(NoAudioError) as raised:
        read_folder(tmp_path)
    assert str(raised.value) == (
        f"Dataset folder {tmp_path} holds no audio file: expected {tmp_path}/<class>/<file>.wav|.flac|.ogg|.mp3|..."
        " (one sub-folder per class); it holds 1 other file(s), e.g. voice/a.m4a. Set read_folder.extensions if"
        " your audio has another suffix.")


def test_manifest_paths_are_resolved_as_text_and_string_columns_are_arrow_backed(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    table = pd.DataFrame({"path": ["a.wav", "./b//c.wav", "d/../e.wav", "/abs/f.wav", "g/./h/."],
                          "label": [1, 2, 1, 2, 1], "frames": [16000, None, 8000, 4000, 100],
                          "sample_rate": [16000, 16000, 8000, 0, 16000]})
    table.to_parquet(tmp_path / "real" / "m.parquet")
    frame = read_manifest(tmp_path / "link" / "m.parquet")
    real = (tmp_path / "real").resolve()  # the folder is resolved once; no file is looked at
    assert frame["path"].tolist() == [f"{real}/a.wav", f"{real}/b/c.wav", f"{real}/e.wav", "/abs/f.wav",
                                      f"{real}/g/h"]
    assert frame["label"].tolist() == ["1", "2", "1", "2", "1"]
    assert isinstance(frame["path"].array, pd.arrays.ArrowStringArray)
    assert isinstance(frame["label"].array, pd.arrays.ArrowStringArray)
    assert frame["frames"].isna().tolist() == [False, True, False, False, False]


def test_manifest_rows_without_a_path_are_named(tmp_path):
    pd.DataFrame({"file": ["a.wav", "", None], "label": ["x", "y", "z"]}).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ValueError) as raised:
        read_manifest(tmp_path / "m.csv", path_column="file")
    assert str(raised.value) == (f"Manifest {tmp_path}/m.csv has 2 row(s) without a 'file' value (rows 2, 3,"
                                 " counted from 1 after the header): remove them or fill them in.")
