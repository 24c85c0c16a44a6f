"""Reading a config file as text: a UTF-8 BOM and Windows line ends are fine, anything else is a
`ConfigError` naming the file and the line (a binary, Latin-1 bytes, a folder)."""
from __future__ import annotations

from pathlib import Path

from ...errors import ConfigError, Where

__all__ = ["read_config_text"]


def read_config_text(path: str | Path, where: Where | None = None, what: str = "Config file") -> str:
    """The text of `path`, BOM removed and line ends made `\\n`."""
    file = Path(path)
    if file.is_dir():
        raise ConfigError(f"{what} {path} is a folder, not a file.", where,
                          f"Pass the .gin files in it, e.g. {_example(file)}.")
    try:
        data = file.read_bytes()
    except OSError as e:
        raise ConfigError(f"{what} {path} cannot be read: {e.strerror or e}.", where,
                          "Check the path and its permissions.") from None
    if b"\0" in data:
        line = data[:data.index(b"\0")].count(b"\n") + 1
        raise ConfigError(f"{what} {path} is not text (it holds NUL bytes, as a binary file does).",
                          Where(str(path), line), "Pass a gin config file (text, UTF-8).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        shown = data.splitlines()[line - 1].decode("utf-8", errors="replace") if data.splitlines() else ""
        raise ConfigError(f"{what} {path} is not UTF-8 text: byte 0x{data[e.start]:02x} at line {line}"
                          " cannot be decoded.", Where(str(path), line, shown),
                          "Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`).") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _example(folder: Path) -> str:
    files = sorted(folder.glob("*.gin"))[:2]
    return " ".join(str(f) for f in files) if files else f"{folder}/base.gin"
