"""A private Docker engine for the image tests: its own dockerd with its own socket, data root and exec
root under one folder, stopped and removed afterwards. No system daemon is needed or touched."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

# Each build step of BuildKit's plain progress output: `#7 [stage-0 5/8] COPY pyproject.toml uv.lock ./`,
# later `#7 CACHED` or `#7 DONE 0.1s`.
_STEP = re.compile(r"^#(\d+) \[[^\]]*\d+/\d+\] (.+)$")
_CACHED = re.compile(r"^#(\d+) CACHED$")


def buildkit_client() -> str | None:
    """A docker client that builds with BuildKit (the Dockerfile's cache mounts need it): one with the
    buildx plugin, or one older than 23.0, which has BuildKit built in (Debian's docker.io)."""
    candidates = dict.fromkeys(c for c in (shutil.which("docker"), "/usr/bin/docker") if c and os.access(c, os.X_OK))
    # Asked without any daemon: only the client answers.
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    for client in candidates:
        if subprocess.run([client, "buildx", "version"], capture_output=True, env=env).returncode == 0:
            return client
        done = subprocess.run([client, "version", "--format", "{{.Client.Version}}"], capture_output=True,
                              text=True, env=env)
        major = re.match(r"(\d+)\.", done.stdout.strip())
        if major and int(major.group(1)) < 23:
            return client
    return None


def build_steps(output: str) -> dict[str, bool]:
    """Each Dockerfile step of a plain-progress build log, with whether it came from the cache."""
    names, cached = {}, set()
    for line in output.splitlines():
        if step := _STEP.match(line):
            names[step.group(1)] = " ".join(step.group(2).split())
        elif hit := _CACHED.match(line):
            cached.add(hit.group(1))
    return {name: number in cached for number, name in names.items()}


class DockerEngine:
    """dockerd under `root` (which it deletes on `stop`); `docker(...)` runs the client against it."""

    def __init__(self, root: Path, client: str):
        self.root, self.client = root, client
        self.log = root / "dockerd.log"
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{root / 'docker.sock'}", "DOCKER_BUILDKIT": "1"}
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        command = ["dockerd", "--host", self.env["DOCKER_HOST"], "--data-root", str(self.root / "data"),
                   "--exec-root", str(self.root / "exec"), "--pidfile", str(self.root / "docker.pid")]
        with open(self.log, "wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while self.docker("info", check=False, timeout=30).returncode != 0:
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start ({' '.join(command)}):\n{self.log_tail()}")
            time.sleep(0.5)

    def docker(self, *args: str, check: bool = True, timeout: float = 600,
               **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run([self.client, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, **kwargs)
        if check and done.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return done

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def stop(self) -> None:
        """Stops dockerd (it stops its containers and containerd), then deletes everything under root."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        # A daemon that died uncleanly can leave overlay and shm mounts behind: unmount them, deepest first.
        prefix = str(self.root) + "/"
        with open("/proc/self/mountinfo") as mountinfo:
            mounts = [line.split()[4] for line in mountinfo if line.split()[4].startswith(prefix)]
        for mount in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
