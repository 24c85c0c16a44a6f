"""`environment.json`: what a run needs to be reproduced elsewhere.

Python and platform, every installed distribution's version (read from the `*.dist-info` folder
names, which is fast, instead of parsing each package's metadata), and the git commit with the
uncommitted diff when the run starts inside a repository.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["describe_environment", "installed_packages"]

_DIST_INFO = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.(dist-info|egg-info)$")


def installed_packages() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = os.scandir(folder or ".")
        except OSError:
            continue
        with entries:
            for entry in entries:
                match = _DIST_INFO.match(entry.name)
                if match:
                    name = match["name"].replace("_", "-").lower()
                    found.setdefault(name, match["version"])
    return dict(sorted(found.items()))


def _in_repository(folder: Path) -> bool:
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def _git(*args: str, cwd: Path) -> str | None:
    import subprocess  # only inside a repository
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def describe_environment(cwd: Path | None = None) -> dict:
    cwd = cwd or Path.cwd()
    uname = os.uname()
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": f"{uname.sysname}-{uname.release}-{uname.machine}",
        "machine": uname.machine,
        "cpu_count": os.cpu_count(),
        "packages": installed_packages(),
        "git": None,
    }
    commit = _git("rev-parse", "HEAD", cwd=cwd) if _in_repository(cwd.resolve()) else None
    if commit:
        status = _git("status", "--porcelain", cwd=cwd) or ""
        info["git"] = {
            "commit": commit.strip(),
            "dirty": bool(status.strip()),
            "status": status.splitlines(),
            "diff": _git("diff", "HEAD", cwd=cwd) if status.strip() else "",
        }
    return info
