"""A stand-in for the official `python:3.11-slim` image, built locally where no registry is reachable.

Debian bookworm (minbase, by debootstrap) with Debian's Python 3.11, pip and venv, laid out like the
official image where the Dockerfile can tell: `python`, `python3`, `pip`, `pip3` in /usr/local/bin,
pip allowed to install outside a virtual environment (no EXTERNALLY-MANAGED marker), `LANG=C.UTF-8`,
`CMD ["python3"]`. It trusts the host's CA bundle, so that pip and uv inside the build reach the package
registry the way the host does. Used only by the tests: the Dockerfile stays the one a user builds.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .docker_engine import DockerEngine

TAG = "python:3.11-slim"
MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_CONFIG = ["ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8",
                'CMD ["python3"]']


def build_standin_python(engine: DockerEngine, workdir: Path, mirror: str = MIRROR) -> None:
    """Bootstraps the root filesystem under `workdir`, imports it as `python:3.11-slim`, deletes it."""
    rootfs = workdir / "standin-rootfs"
    done = subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-pip,python3-venv",
                           "bookworm", str(rootfs), mirror], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise AssertionError(f"debootstrap failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    for marker in rootfs.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
        marker.unlink()
    for name, target in {"python": "python3", "python3": "python3", "pip": "pip3", "pip3": "pip3"}.items():
        (rootfs / "usr/local/bin" / name).symlink_to(f"/usr/bin/{target}")
    if HOST_CA_BUNDLE.is_file():
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        shutil.rmtree(rootfs / cache, ignore_errors=True)

    changes = [arg for change in IMAGE_CONFIG for arg in ("--change", change)]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        engine.docker("import", *changes, "-", TAG, stdin=tar.stdout, timeout=900)
    finally:
        tar.stdout.close()
        if tar.wait() != 0:
            raise AssertionError(f"tar of {rootfs} failed ({tar.returncode})")
    shutil.rmtree(rootfs)
