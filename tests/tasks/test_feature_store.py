"""The sharded feature store: shards as units of caching and resumption, current-ness from file stats,
damaged shards recomputed, model extractors run in batches in one process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from loguru import logger

from tasks.training_data.dataset import AudioFeatureDataset
from tasks.features.extract import EXTRACTION_COUNTER, extract_features
from tasks.features.extractors import LogMel
from tasks.features.store import FeatureStore

SHARD = 16  # clips per shard (on average): small, so a few hundred clips make many shards


def tones(folder, count, start=0, seconds=0.1):
    """`count` short tones (distinct frequencies), as metadata rows load_dataset would give."""
    import soundfile as sf

    rows = []
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * 16000)) / 16000
    for i in range(start, start + count):
        path = folder / f"clip{i:05d}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * (100 + 7 * i) * t)).astype(np.float32), 16000)
        rows.append({"path": str(path), "label": str(i % 3), "sample_rate": 16000, "frames": len(t)})
    return pd.DataFrame(rows)


def extract(metadata, store, **kwargs):
    """extract_features on `metadata`; returns (feature set, files computed, shards computed)."""
    state = {"dataset_metadata": metadata}
    files, shards = EXTRACTION_COUNTER["computed"], EXTRACTION_COUNTER["shards"]
    kwargs = {"cache_dir": str(store), "shard_size": SHARD, "n_jobs": 0, "progress": False, **kwargs}
    extract_features(state, **kwargs)
    return state["features"], EXTRACTION_COUNTER["computed"] - files, EXTRACTION_COUNTER["shards"] - shards


def items(feature_set):
    """Every row's features, read as the training Dataset reads them."""
    dataset = AudioFeatureDataset(feature_set, np.zeros(len(feature_set), np.int64), np.arange(len(feature_set)))
    return [dataset[i][0].numpy() for i in range(len(dataset))]


@pytest.fixture
def messages():
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m).rstrip("\n")), format="{message}", level="INFO")
    yield lines
    logger.remove(sink)


def test_few_files_per_shard_and_a_subset_reuses_everything(tmp_path):
    metadata = tones(tmp_path / "audio", 200)
    features, files, shards = extract(metadata, tmp_path / "store")
    assert files == 200 and len(features.shard_files) == shards
    stored = list((tmp_path / "store").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == shards + 3  # + index, settings.json, the cache mark
    assert 200 / (2 * SHARD) <= shards <= 200 / (SHARD / 2)
    expected = LogMel()(torch.from_numpy(__import__("soundfile").read(metadata["path"][7], dtype="float32")[0])[None])
    np.testing.assert_allclose(items(features)[7], expected.numpy(), rtol=1e-5, atol=1e-5)

    # Another experiment's subset (a split, a filter) of the same files: nothing computed, same values.
    subset = metadata.iloc[::3].reset_index(drop=True)
    again, files, shards = extract(subset, tmp_path / "store", n_jobs=2)
    assert (files, shards) == (0, 0)
    for a, b in zip(items(again), items(features)[::3]):
        np.testing.assert_array_equal(a, b)


def test_adding_files_computes_only_the_shards_they_land_in(tmp_path):
    metadata = tones(tmp_path / "audio", 300)
    _, files, before = extract(metadata, tmp_path / "store")
    names = {p.name for p in (tmp_path / "store").rglob("*.arrow")}
    grown = pd.concat([metadata, tones(tmp_path / "audio", 3, start=300)], ignore_index=True)
    features, files, shards = extract(grown, tmp_path / "store")
    assert files == 3 and 1 <= shards <= 3
    after = {p.name for p in (tmp_path / "store").rglob("*.arrow")}
    assert names < after and len(after - names) == shards
    assert len(features) == 303 and len(items(features)) == 303


def test_current_ness_reads_no_audio_and_a_changed_file_is_recomputed(tmp_path):
    metadata = tones(tmp_path / "audio", 40)
    extract(metadata, tmp_path / "store")
    # Same stats, other bytes: judged by path, size and mtime only (as make does), so still current.
    path = metadata["path"][5]
    st = os.stat(path)
    tones(tmp_path / "other", 1, start=5)  # same length, same frequency: rewrite with other content
    data = bytearray(open(path, "rb").read())
    data[-10:] = bytes(10)
    open(path, "wb").write(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    _, files, _ = extract(metadata, tmp_path / "store")
    assert files == 0
    # A new mtime: the file is hashed (its content is new) and its features recomputed.
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    _, files, shards = extract(metadata, tmp_path / "store")
    assert (files, shards) == (1, 1)


def test_a_run_killed_mid_extraction_resumes_without_recomputing_finished_shards(tmp_path):
    metadata = tones(tmp_path / "audio", 160)
    metadata.to_parquet(tmp_path / "meta.parquet")
    script = textwrap.dedent(f"""
        import time, pandas as pd
        from tasks.features.extract import extract_features
        from tests.tasks.test_feature_store import SlowLogMel
        state = {{"dataset_metadata": pd.read_parquet({str(tmp_path / 'meta.parquet')!r})}}
        extract_features(state, extractor=SlowLogMel(), cache_dir={str(tmp_path / 'store')!r},
                         shard_size={SHARD}, n_jobs=0, progress=False)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd(),
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "store").rglob("*.arrow"))) < 3 and time.monotonic() < deadline:
        assert child.poll() is None, "the extraction ended before it could be killed"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    finished = {p.name for p in (tmp_path / "store").rglob("*.arrow")}
    assert len(finished) >= 3 and not list((tmp_path / "store").glob("*/index.arrow"))  # killed before it
    features, files, shards = extract(metadata, tmp_path / "store", extractor=SlowLogMel())
    total = len(features.shard_files)
    assert shards == total - len(finished)  # finished shards are read back, not computed again
    uninterrupted, _, _ = extract(metadata, tmp_path / "fresh", extractor=SlowLogMel())
    for a, b in zip(items(features), items(uninterrupted)):
        np.testing.assert_array_equal(a, b)


class SlowLogMel(LogMel):
    """LogMel that takes its time: a job is still running when the test kills it."""

    def __call__(self, waveform):
        time.sleep(0.01)
        return super().__call__(waveform)


class TinyModel(torch.nn.Module):
    """A model extractor as the contract says: `extract_batch(waves) -> features`, `batch_size`."""

    sample_rate, frame_rate, batch_size = 16000, 100.0, 8

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(1, 4, kernel_size=160, stride=160)
        self.calls: list[tuple[int, int]] = []  # (pid, batch length) of every call

    def settings(self):
        return {"extractor": "TinyModel", "batch_size": self.batch_size}

    def extract_batch(self, waves):
        self.calls.append((os.getpid(), len(waves)))
        return [self.conv(w[None])[0] for w in waves]

    def forward(self, wave):
        return self.extract_batch([wave])[0]


def test_a_model_extractor_runs_in_batches_in_this_process(tmp_path):
    metadata = tones(tmp_path / "audio", 40)
    model = TinyModel()
    features, files, _ = extract(metadata, tmp_path / "store", extractor=model, n_jobs=2)
    assert files == 40 and {pid for pid, _ in model.calls} == {os.getpid()}
    assert max(n for _, n in model.calls) == 8 and sum(n for _, n in model.calls) == 40
    wave = torch.from_numpy(__import__("soundfile").read(metadata["path"][3], dtype="float32")[0])[None]
    with torch.no_grad():
        np.testing.assert_allclose(items(features)[3], model(wave).numpy(), rtol=1e-5, atol=1e-6)


def test_store_folder_is_named_by_settings_and_code(tmp_path):
    a, b = FeatureStore(tmp_path, LogMel()), FeatureStore(tmp_path, LogMel(n_mels=32))
    assert a.folder.name.startswith("store-") and a.folder != b.folder
    assert FeatureStore(tmp_path, SlowLogMel()).folder != a.folder  # other code, other store


def test_reproduce_recomputes_every_shard(tmp_path, monkeypatch):
    from ginpipe.cache.recompute import VARIABLE

    metadata = tones(tmp_path / "audio", 40)
    features, _, shards = extract(metadata, tmp_path / "store")
    reference = items(features)
    # What `ginpipe reproduce` sets (ginpipe.io.must_recompute): cached results must not be trusted.
    monkeypatch.setenv(VARIABLE, "1")
    again, files, recomputed = extract(metadata, tmp_path / "store")
    assert (files, recomputed) == (40, shards) and again.shard_files == features.shard_files
    for a, b in zip(items(again), reference):
        np.testing.assert_array_equal(a, b)


def _truncate(path: str) -> None:
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def _overwrite_with_garbage(path: str) -> None:  # the same size, other bytes (a bad copy, a disk fault)
    size = os.path.getsize(path)
    with open(path, "wb") as f:
        f.write(np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes())


def _change_inside(path: str) -> None:
    """Bytes zeroed in the features, the Arrow structure and footer untouched: Arrow still reads it."""
    from tasks.features.shard_file import open_shard

    rows = open_shard(path).num_rows
    data = bytearray(open(path, "rb").read())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    open(path, "wb").write(bytes(data))
    assert open_shard(path).num_rows == rows


@pytest.mark.parametrize("damage, why", [
    (_truncate, "Not an Arrow file"),
    (_overwrite_with_garbage, "Not an Arrow file"),
    (_change_inside, "its content does not match the checksum written with it"),
], ids=["truncated", "garbage", "changed inside"])
def test_a_damaged_shard_is_named_and_recomputed_never_read_as_features(tmp_path, messages, damage, why):
    metadata = tones(tmp_path / "audio", 64)
    features, _, _ = extract(metadata, tmp_path / "store")
    reference = items(features)
    damaged = features.shard_files[1]
    damage(damaged)
    count = int((features.shard_of_row == 1).sum())
    again, files, shards = extract(metadata, tmp_path / "store")
    assert (files, shards) == (count, 1)
    assert f"feature shard {damaged} is damaged ({why}); its {count} files are extracted again." in messages
    for a, b in zip(items(again), reference):
        np.testing.assert_array_equal(a, b)


def _recorded_stats(store_root) -> dict[str, tuple[int, int]]:
    """Each shard's size and mtime as the store's index records them."""
    import pyarrow as pa

    index_path = next(store_root.glob("store-*/index.arrow"))
    index = pa.ipc.open_file(pa.memory_map(str(index_path), "r")).read_all().to_pandas()
    return {row.shard: (row.shard_size, row.shard_mtime_ns) for row in index.itertuples()}


def test_a_shard_touched_but_whole_is_checked_once_and_its_new_stats_recorded(tmp_path, messages):
    metadata = tones(tmp_path / "audio", 64)
    features, _, _ = extract(metadata, tmp_path / "store")
    touched = Path(features.shard_files[0])
    st = touched.stat()
    assert _recorded_stats(tmp_path / "store")[touched.name] == (st.st_size, st.st_mtime_ns)
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a copy, `touch`: same bytes
    again, files, shards = extract(metadata, tmp_path / "store")
    assert (files, shards) == (0, 0) and not [m for m in messages if "damaged" in m]
    # Recorded as it is now: the next run trusts its stats and does not read it whole again.
    assert _recorded_stats(tmp_path / "store")[touched.name] == (st.st_size, st.st_mtime_ns + 10**9)


def test_an_index_written_before_shard_stats_were_recorded_is_read_not_rebuilt(tmp_path, messages):
    import pyarrow as pa

    metadata = tones(tmp_path / "audio", 64)
    features, _, _ = extract(metadata, tmp_path / "store")
    index_path = next((tmp_path / "store").glob("store-*/index.arrow"))
    old = pa.ipc.open_file(pa.BufferReader(index_path.read_bytes())).read_all().drop_columns(
        ["shard_size", "shard_mtime_ns"])  # read into memory: the file is rewritten below
    with pa.ipc.new_file(str(index_path), old.schema) as writer:
        writer.write_table(old)
    again, files, shards = extract(metadata, tmp_path / "store")
    assert (files, shards) == (0, 0) and not [m for m in messages if "damaged" in m]
    recorded = _recorded_stats(tmp_path / "store")
    assert all(recorded[Path(p).name] == (os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in features.shard_files)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "a shard copied over it"])
def test_a_damaged_store_index_is_named_and_rebuilt_from_its_shards_computing_nothing(tmp_path, messages, damage):
    metadata = tones(tmp_path / "audio", 64)
    features, _, _ = extract(metadata, tmp_path / "store")
    reference = items(features)
    index = next((tmp_path / "store").glob("store-*/index.arrow"))
    data = index.read_bytes()
    index.write_bytes({"truncated": data[:len(data) // 2], "garbage": b"\x00garbage" * 100, "empty": b"",
                       "a shard copied over it": open(features.shard_files[0], "rb").read()}[damage])
    why = {"empty": "File is too small: 0", "a shard copied over it": "not a feature store index (columns path, size,"
           " mtime_ns, content, dim, frames, error, features)"}.get(damage, "Not an Arrow file")
    again, files, shards = extract(metadata, tmp_path / "store")
    assert (files, shards) == (0, 0)  # the shards hold every file: nothing is extracted again
    assert [m for m in messages if m.startswith("feature store index")] == [
        f"feature store index {index} is damaged ({why}): rebuilt from its shards"]
    for a, b in zip(items(again), reference):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_a_shard_damaged_after_a_run_is_recomputed_by_the_next_run_that_reads_it(tmp_path):
    """The feature set a finished run cached names its shards: a later run that trains on them (here a
    new experiment of another model width, which adopts the cached features) sees the damage first,
    reruns the extraction, which names the shard and extracts its files again; nothing reads it."""
    from tests.sweeps.test_audio_sweep import ROOT, ginpipe

    if not (ROOT / "configs" / "debug" / "fast.gin").is_file():
        pytest.skip("the audio project's configs/debug/fast.gin is not there yet")
    for name in ("tasks", "configs"):
        (tmp_path / name).symlink_to(ROOT / name)
    configs = ["configs/base.gin", "configs/debug/fast.gin"]
    ginpipe(tmp_path, *configs, "--experiment-name", "a", "-q")
    (shard,) = (tmp_path / "data/generated/features").glob("store-*/shards/*.arrow")
    with open(shard, "r+b") as f:
        f.truncate(os.path.getsize(shard) // 2)
    done = ginpipe(tmp_path, *configs, "--mods", "Resnet.width=4", "--experiment-name", "b")
    assert f"feature shard {shard} is damaged (Not an Arrow file); its 60 files are extracted again." in done.stderr
    import json
    run = json.loads((tmp_path / "experiments/audio/b/run.json").read_text())
    assert {t["label"]: t["status"] for t in run["tasks"]}["05-extract_features"] == "done"
