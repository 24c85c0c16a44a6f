"""The data engine on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here as a user would. Skipped with a message where dask is not installed, required
in CI (GINPIPE_REQUIRE_DASK=1)."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from loguru import logger

from ginpipe.runs.cluster import cluster_environment
from ginpipe.runs.options import RunOptions
from tasks.datasets.probe import probe_audio
from tasks.engine import ClusterUnreachableError, DataEngine, disconnect
from tasks.features.shard_jobs import plan_shards
from tests.support.servers import free_port
from tests.tasks.test_feature_store import SHARD, SlowLogMel, extract, items, tones

REPO = Path(__file__).resolve().parents[2]

if importlib.util.find_spec("distributed") is None:
    if os.environ.get("GINPIPE_REQUIRE_DASK") == "1":
        pytest.fail("dask.distributed is required here (GINPIPE_REQUIRE_DASK=1) but not installed",
                    pytrace=False)
    pytest.skip("dask.distributed is not installed (the `data` dependency group): no cluster to test on",
                allow_module_level=True)


class LocalCluster:
    """`dask scheduler` and `dask worker` processes on 127.0.0.1, each in its own process group."""

    def __init__(self, folder: Path, workers: int = 2):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.folder = folder
        dask = str(Path(sys.executable).parent / "dask")
        env = {**os.environ, "PYTHONPATH": str(REPO)}  # workers import the project's job functions
        port, self.dashboard_port = self.address.rsplit(":", 1)[1], free_port()
        self.scheduler = self._start("scheduler", [dask, "scheduler", "--host", "127.0.0.1", "--port", port,
                                                   "--dashboard-address", f"127.0.0.1:{self.dashboard_port}"], env)
        self.workers = [self._start(f"worker{i}", [dask, "worker", self.address, "--nthreads", "1",
                                                   "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"], env)
                        for i in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder,
                                start_new_session=True)

    def stop(self) -> None:
        disconnect(self.address)
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for the tests that leave it as they found it."""
    started = LocalCluster(tmp_path_factory.mktemp("cluster"))
    yield started
    started.stop()


@pytest.fixture
def own_cluster(tmp_path):
    """A cluster for one test (it kills a worker)."""
    (tmp_path / "cluster").mkdir()
    started = LocalCluster(tmp_path / "cluster")
    yield started
    started.stop()


def test_the_cluster_computes_what_this_machine_computes(cluster, tmp_path):
    metadata = tones(tmp_path / "audio", 100)
    local, _, _ = extract(metadata, tmp_path / "local")
    with cluster_environment(cluster.address):  # what `--cluster ADDRESS` does for the run
        assert DataEngine().address == cluster.address
        remote, files, shards = extract(metadata, tmp_path / "remote")
        probed = probe_audio(metadata["path"].tolist(), progress=False)
    assert files == 100 and shards == len(remote.shard_files)
    assert remote.num_frames.tolist() == local.num_frames.tolist()
    for a, b in zip(items(remote), items(local)):
        np.testing.assert_array_equal(a, b)
    assert probed["frames"].tolist() == [1600] * 100 and (probed["error"] == "").all()


def test_the_scheduler_dispatches_jobs_without_the_projects_libraries(cluster, tmp_path):
    # A scheduler that unpickled the jobs would import torch & co. before dispatching the first
    # one: seconds per scheduler, most of the cluster's time on a 10,000-clip job (issue 24).
    from tasks.engine import connect

    metadata = tones(tmp_path / "audio", 30)
    features, files, _ = extract(metadata, tmp_path / "store", engine=DataEngine(cluster=cluster.address, progress=False))
    assert files == 30 and len(features) == 30
    client = connect(cluster.address)
    # A lambda travels by value (a function of this module would make the scheduler import it).
    _project_modules_loaded = lambda: sorted(m for m in ("torch", "torchaudio", "soundfile", "tasks")  # noqa: E731
                                             if m in sys.modules)
    assert client.run_on_scheduler(_project_modules_loaded) == []
    assert ["soundfile", "tasks", "torch", "torchaudio"] in client.run(_project_modules_loaded).values()


def test_a_cluster_run_names_the_dashboard_to_follow_it_on(cluster, tmp_path):
    metadata = tones(tmp_path / "audio", 30)
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m).rstrip("\n")), format="{message}", level="INFO")
    try:
        extract(metadata, tmp_path / "store", engine=DataEngine(cluster=cluster.address))
    finally:
        logger.remove(sink)
    # Shard boundaries depend on the paths (content-defined), so on tmp_path: count the plan's shards.
    shards = len(plan_shards(metadata["path"].tolist(), SHARD))
    jobs = f"{shards} job" + ("s" if shards != 1 else "")
    assert (f"{jobs} on the Dask cluster {cluster.address};"
            f" its dashboard: http://127.0.0.1:{cluster.dashboard_port}/status") in lines


def test_a_worker_killed_mid_extraction_costs_only_its_unfinished_shards(own_cluster, tmp_path):
    cluster = own_cluster
    metadata = tones(tmp_path / "audio", 200)
    store = tmp_path / "store"
    victim = cluster.workers[0]

    finished: dict[Path, int] = {}

    def kill_once_shards_are_written():
        deadline = time.monotonic() + 120
        while len(list(store.rglob("shards/*.arrow"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)
        finished.update({p: p.stat().st_mtime_ns for p in store.rglob("shards/*.arrow")})

    killer = threading.Thread(target=kill_once_shards_are_written)
    killer.start()
    features, files, shards = extract(metadata, store, extractor=SlowLogMel(),
                                      engine=DataEngine(cluster=cluster.address, progress=False))
    killer.join()
    assert victim.wait(timeout=10) == -signal.SIGKILL
    # The shards finished when the worker died were not written again; the others were computed
    # once each. The killed worker may have written its last shard without reporting it: that one
    # is counted by nobody here (its rescheduled job found it whole).
    assert len(finished) >= 3 and {p: p.stat().st_mtime_ns for p in finished} == finished
    assert len(features.shard_files) - 1 <= shards <= len(features.shard_files)
    uninterrupted, _, _ = extract(metadata, tmp_path / "fresh", extractor=SlowLogMel())
    for a, b in zip(items(features), items(uninterrupted)):
        np.testing.assert_array_equal(a, b)


def test_a_file_a_worker_cannot_read_is_named_and_dropped(cluster, tmp_path):
    metadata = tones(tmp_path / "audio", 20)
    gone = metadata["path"][4]
    os.unlink(gone)  # listed by the dataset, not there when the worker reads it
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m).rstrip("\n")), format="{message}", level="WARNING")
    try:
        features, files, _ = extract(metadata, tmp_path / "store",
                                     engine=DataEngine(cluster=cluster.address, progress=False))
    finally:
        logger.remove(sink)
    assert len(features) == 19 and files == 20
    assert lines[0].startswith(f"1 of 20 audio files cannot be read or decoded:\n  {gone}: cannot be read"
                               f" (FileNotFoundError: [Errno 2] No such file or directory: ")
    assert lines[0].endswith("They are dropped (`load_dataset.on_bad_files = 'raise'` fails instead).")


def test_an_unreachable_scheduler_is_named_with_its_address(tmp_path):
    metadata = tones(tmp_path / "audio", 4)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ClusterUnreachableError) as error:
        extract(metadata, tmp_path / "store", engine=DataEngine(cluster=address, connect_timeout=2))
    assert str(error.value).startswith(f"Cannot reach the Dask scheduler at {address} (")
    assert str(error.value).endswith("\nStart one there (`dask scheduler`, and `dask worker ADDRESS` on each"
                                     " machine), fix the address, or leave out --cluster (and"
                                     " `DataEngine.cluster`) to use this machine.")
    assert not list((tmp_path / "store").rglob("*.arrow"))


def test_the_cluster_flag_travels_with_the_options():
    options = RunOptions.from_argv(["configs/base.gin", "--cluster", "tcp://10.0.0.5:8786"])
    assert options.cluster == "tcp://10.0.0.5:8786"
    assert options.to_argv()[-2:] == ["--cluster", "tcp://10.0.0.5:8786"]


def test_the_command_names_an_unreachable_cluster(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "ginpipe.cli", "configs/base.gin", "configs/debug/fast.gin",
               "--cluster", address, "--output-dir", str(tmp_path / "out"),
               "--mods", f"read_synthetic.root='{tmp_path / 'data'}'",
               f"extract_features.cache_dir='{tmp_path / 'features'}'"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"ClusterUnreachableError: Cannot reach the Dask scheduler at {address} (" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "features").exists()
