"""Listings of data paths: what counts as a path binding, what a listing sees and leaves out."""
import os

from ginpipe.cache.data_paths import DataFingerprints, describe_change, is_path_argument


def test_which_arguments_name_paths():
    named = ["path", "root", "dir", "file", "folder", "paths", "audio_root", "cache_dir", "manifest_path",
             "label_files", "data_directory", "ROOT"]
    assert all(is_path_argument(a) for a in named)
    assert not any(is_path_argument(a) for a in ["split", "pathology", "rooted", "directory_count", "n_files_max"])


def listing(tmp_path, name="data"):
    return DataFingerprints(tmp_path).of([str(tmp_path / name)]).get(str(tmp_path / name))


def test_a_listing_sees_names_sizes_and_times_not_hidden_files_nor_marked_caches(tmp_path):
    (tmp_path / "data/a").mkdir(parents=True)
    (tmp_path / "data/a/x.wav").write_text("x")
    first = listing(tmp_path)
    (tmp_path / "data/.DS_Store").write_text("hidden")
    (tmp_path / "data/cache").mkdir()
    (tmp_path / "data/cache/.ginpipe-cache").write_text("{}")
    (tmp_path / "data/cache/features.npy").write_text("grows while experiments run")
    assert listing(tmp_path).digest == first.digest
    (tmp_path / "data/a/x.wav").write_text("y")  # same size, new time
    os.utime(tmp_path / "data/a/x.wav", ns=(1, 1))
    changed = listing(tmp_path)
    assert changed.digest != first.digest
    assert describe_change("data", first.to_json(), changed.to_json()) == "data/a (files replaced or touched)"


def test_links_are_followed_once_and_the_project_folder_is_not_data(tmp_path):
    (tmp_path / "data/a").mkdir(parents=True)
    (tmp_path / "data/a/loop").symlink_to(tmp_path / "data")  # a cycle ends
    (tmp_path / "data/a/dangling.wav").symlink_to(tmp_path / "nowhere")
    assert listing(tmp_path).kind == "folder"
    assert DataFingerprints(tmp_path / "data").of([str(tmp_path), str(tmp_path / "data")]) == {}


def test_described_changes():
    folder = lambda **dirs: {"kind": "folder", "digest": str(dirs), "folders": dirs}  # noqa: E731
    assert describe_change("s", folder(**{"": [0, ""], "a": [2, "x"]}), folder(**{"": [0, ""], "a": [7, "y"]})) \
        == "s/a (+5 files)"
    assert describe_change("s", folder(a=[2, "x"]), folder(a=[2, "x"], b=[1, "z"])) == "s/b (new folder, 1 file)"
    assert describe_change("s", folder(a=[2, "x"]), {"kind": "absent"}) == "s (removed)"
    assert describe_change("m.csv", {"kind": "absent"}, {"kind": "file"}) == "m.csv (created)"
    assert describe_change("m.csv", {"kind": "file"}, {"kind": "file"}) == "m.csv (modified)"


def test_binding_paths_follow_macros_and_keep_only_the_used_selectors_path_arguments(tmp_path, monkeypatch):
    from ginpipe.config.text.composition import compose
    from ginpipe.config.resolution import ResolvedConfig
    from ginpipe.cache.data_paths import binding_paths

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.gin").write_text("DATA = 'sounds'\nread.root = %DATA\nread.cache_dirs = ['c1', 'c2', ' ']\n"
                                    "read.name = 'not/a/path/argument'\nother.path = 'elsewhere'\n")
    composition = compose(["c.gin"])
    config = ResolvedConfig(composition.bindings, {n: b.value for n, b in composition.macros().items()})
    assert binding_paths(config, ["read"]) == ["c1", "c2", "sounds"]
    assert binding_paths(config, ["read", "other"]) == ["c1", "c2", "elsewhere", "sounds"]
    assert binding_paths(config, []) == []
