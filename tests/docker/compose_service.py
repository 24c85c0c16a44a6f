"""Starts a service of docker-compose.yml on the test's engine: with Docker Compose where it is installed
(the `docker compose` plugin, or Debian's `docker-compose`), else with the equivalent `docker run`, read
from the same file (so the file's image, user, volumes, ports, entrypoint and command are still what
runs)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from .docker_engine import DockerEngine

_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")
# Keys with no bearing on a detached run on this CPU-only engine.
_IGNORED = {"build", "profiles", "deploy"}


def compose_command(engine: DockerEngine) -> list[str] | None:
    if engine.docker("compose", "version", check=False).returncode == 0:
        return [engine.client, "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def interpolate(value, env: dict[str, str]):
    """Compose's `${NAME}` and `${NAME:-default}` substitution (the forms docker-compose.yml uses)."""
    if isinstance(value, str):
        if "$" in _VARIABLE.sub("", value):
            raise ValueError(f"unsupported variable syntax in {value!r}")
        return _VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    return value


def docker_run_arguments(service: dict, folder: Path, name: str) -> list[str]:
    """`docker run -d` arguments equivalent to an (interpolated) compose service."""
    unknown = set(service) - _IGNORED - {"image", "user", "volumes", "ports", "shm_size", "entrypoint", "command"}
    if unknown:
        raise ValueError(f"compose keys with no docker run translation here: {sorted(unknown)}")
    args = ["run", "-d", "--name", name]
    if "user" in service:
        args += ["--user", str(service["user"])]
    for volume in service.get("volumes", []):
        source, rest = volume.split(":", 1)
        if source.startswith("."):
            source = str((folder / source).resolve())
        args += ["--volume", f"{source}:{rest}"]
    for port in service.get("ports", []):
        args += ["--publish", str(port)]
    if "shm_size" in service:
        args += ["--shm-size", str(service["shm_size"])]
    entrypoint = service.get("entrypoint", [])
    if entrypoint:
        args += ["--entrypoint", entrypoint[0]]
    return [*args, service["image"], *entrypoint[1:], *service.get("command", [])]


class ComposeProject:
    """One project (`-p name`) of a compose file, driven by Compose or by `docker run`."""

    def __init__(self, engine: DockerEngine, file: Path, name: str, env: dict[str, str]):
        self.engine, self.file, self.name = engine, file, name
        self.env = {**engine.env, **env}
        self.compose = compose_command(engine)
        self.started: list[str] = []

    @property
    def tool(self) -> str:
        return " ".join([Path(self.compose[0]).name, *self.compose[1:]]) if self.compose else "docker run"

    def _compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.compose, "--file", str(self.file), "--project-name", self.name, *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{self.tool} {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return done

    def validate(self) -> None:
        """The whole file, as Compose reads it (only with Compose)."""
        if self.compose:
            self._compose("config", "--quiet")

    def up(self, service: str) -> None:
        self.started.append(service)
        if self.compose:
            self._compose("up", "--detach", "--no-build", service)
            return
        spec = yaml.safe_load(self.file.read_text())["services"][service]
        args = docker_run_arguments(interpolate(spec, self.env), self.file.parent, self._container(service))
        self.engine.docker(*args)

    def _container(self, service: str) -> str:
        if self.compose:
            return self._compose("ps", "--quiet", service).stdout.strip()
        return f"{self.name}-{service}"

    def running(self, service: str) -> bool:
        container = self._container(service)
        state = self.engine.docker("inspect", "--format", "{{.State.Running}}", container, check=False)
        return bool(container) and state.stdout.strip() == "true"

    def logs(self, service: str) -> str:
        done = self.engine.docker("logs", self._container(service), check=False)
        return (done.stdout + done.stderr)[-4000:]

    def down(self) -> None:
        if self.compose:
            self._compose("down", "--volumes")
        else:
            for service in self.started:
                self.engine.docker("rm", "--force", "--volumes", self._container(service), check=False)
