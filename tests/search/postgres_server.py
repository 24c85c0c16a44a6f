"""A throwaway PostgreSQL server for a test: Debian's binaries, a cluster in a temporary folder owned
by an unprivileged user (postgres refuses to run as root), listening on a free 127.0.0.1 port."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import free_port

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PostgresServer:
    def __init__(self, bin_dir: str, user: str = "nobody"):
        self.bin, self.user = Path(bin_dir), user
        self.root = Path(tempfile.mkdtemp(prefix="ginpipe-pg-"))
        self.data, self.port = self.root / "data", free_port()

    def _as_user(self, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        command = list(argv) if os.geteuid() != 0 else ["runuser", "-u", self.user, "--", *argv]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True, **kwargs)

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, self.user)
        self._as_user(str(self.bin / "initdb"), "-D", str(self.data), "-U", "ginpipe", "--auth=trust", "-E", "UTF8")
        self._as_user(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                      "-o", f"-h 127.0.0.1 -p {self.port} -k {self.root}", "start")
        self._as_user(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "ginpipe", "study")
        return f"postgresql://ginpipe@127.0.0.1:{self.port}/study"

    def stop(self) -> None:
        try:
            self._as_user(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
