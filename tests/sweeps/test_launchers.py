"""Launchers: submitit (its local executor stands in for SLURM), resources from gin, GPU detection."""
import os
import shutil
import stat

import pytest

from ginpipe.errors import ConfigError
from ginpipe.sweeps.launchers import visible_gpus
from ginpipe.sweeps.resources import read_resources
from tests.support.projects import sweep_project  # noqa: F401 - the `project` of these tests

LOCAL = """
# submitit's local executor: the same jobs SLURM would get, run on this machine
submitit.cluster = 'local'
submitit.timeout_min = 5
submitit.gpus_per_node = 0
"""


def test_a_sweep_through_submitits_local_executor(project):
    project.write("launcher.gin", LOCAL)
    done = project.cli("base.gin", "--sweep", "double.factor=[1,2]", "--sweep", "score.offset=[0,1]",
                       "--launcher", "submitit", "--launcher-config", "launcher.gin", timeout=240)
    assert done.returncode == 0, done.stderr
    names = ["base__factor=1__offset=0", "base__factor=1__offset=1", "base__factor=2__offset=0",
             "base__factor=2__offset=1"]
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [["done", n] for n in names]
    assert project.calls().count("load") == 1 and project.calls().count("double") == 2
    for name in names:
        assert project.run_json(name)["status"] == "done"
    logs = list((project.root / "experiments" / "my_project" / ".submitit").glob("*/*_log.err"))
    assert len(logs) == 4 and any("▶ 05-score" in log.read_text() for log in logs)
    # rerun: every member finished, nothing is submitted
    again = project.cli("base.gin", "--sweep", "double.factor=[1,2]", "--sweep", "score.offset=[0,1]",
                        "--launcher", "submitit", "--launcher-config", "launcher.gin")
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["skipped"] * 4


def test_a_failing_submitit_job_is_reported(project):
    project.write("launcher.gin", LOCAL)
    done = project.cli("base.gin", "--sweep", "double.factor=[1,500]", "--mods", "check.limit=100",
                       "--launcher", "submitit", "--launcher-config", "launcher.gin", timeout=240)
    assert done.returncode == 2
    assert "failed   base__factor=500" in done.stdout
    assert "Task `04-check` failed: ValueError: 4500 is over the limit 100" in done.stdout
    assert "error: 1 of 2 sweep members failed: base__factor=500." in done.stderr


def test_resources_come_from_a_gin_file(tmp_path):
    path = tmp_path / "slurm.gin"
    path.write_text("submitit.partition = 'gpu'\nsubmitit.gpus_per_node = 2\nsubmitit.tasks_per_node = 2\n"
                    "submitit.mem_gb = 32\nsubmitit.setup = ['module load cuda']\n")
    cluster, parameters = read_resources(path)
    assert cluster is None
    assert parameters == {"gpus_per_node": 2, "mem_gb": 32, "timeout_min": 60, "nodes": 1, "tasks_per_node": 2,
                          "slurm_partition": "gpu", "slurm_setup": ["module load cuda"]}


def test_a_wrong_resource_name_is_a_config_error(tmp_path):
    path = tmp_path / "slurm.gin"
    path.write_text("submitit.gpus = 2\n")
    with pytest.raises(ConfigError) as e:
        read_resources(path)
    assert str(e.value).startswith(f"In launcher config {path}:")
    assert "gpus" in str(e.value) and "gpus_per_node" in str(e.value)


def test_shipped_launcher_configs_parse():
    for path in ("configs/launcher/slurm.gin", "configs/launcher/slurm_ddp.gin"):
        cluster, parameters = read_resources(os.path.join(os.path.dirname(__file__), "..", "..", path))
        assert "timeout_min" in parameters


def test_visible_gpus_from_the_environment():
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "2,5"}) == ["2", "5"]
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": ""}) == []
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "-1"}) == []


def test_visible_gpus_counts_nvidia_smi_lines(tmp_path, monkeypatch):
    # a stand-in for the driver's tool, printing what `nvidia-smi -L` prints on a 2-GPU machine
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 (UUID: GPU-1)'\necho 'GPU 1: NVIDIA H100 (UUID: GPU-2)'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert visible_gpus({}) == ["0", "1"]


@pytest.mark.gpu
def test_visible_gpus_agrees_with_torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available() or shutil.which("nvidia-smi") is None:
        pytest.skip("needs a CUDA GPU")
    environ = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    assert len(visible_gpus(environ)) == torch.cuda.device_count()
