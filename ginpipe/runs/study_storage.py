"""A study's optuna storage, opened as every ginpipe process opens it, and its failures worded.

A `--storage` that cannot work (a scheme no database has, a driver not installed, a server that does
not answer, a folder that does not exist, a file that is not a database or cannot be written) is a
`ConfigError` naming the URL or the file and saying how to fix it, never a SQLAlchemy traceback.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from ..errors import ConfigError

__all__ = ["open_storage", "storage_error", "sqlite_path", "shown"]

_FORMS = ("Pass --storage as sqlite:///PATH, postgresql://USER@HOST:PORT/DB, mysql://USER@HOST/DB or a"
          " journal file path ending .log.")


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url
    return url


def sqlite_path(url: str) -> Path | None:
    """The database file of a sqlite URL (or of a journal file path), else None."""
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):].split("?", 1)[0]
        return Path(rest) if rest and rest != ":memory:" else None
    if "://" not in url and url.endswith((".log", ".journal")):
        return Path(url)
    return None


def open_storage(url: str):
    """The optuna storage at `url`.

    SQLite waits up to a minute for a lock (several processes write one study.db); a path ending
    `.log` (or `.journal`) is a journal file, for shared file systems where no database runs.
    """
    import optuna

    _check_file(url)
    try:
        if url.endswith((".log", ".journal")) and "://" not in url:
            from optuna.storages.journal import JournalFileBackend
            return optuna.storages.JournalStorage(JournalFileBackend(url))
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
        for attempt in range(3):
            try:
                return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
            except SQLAlchemyError as e:  # two commands creating the same new database's tables at once
                if attempt == 2 or isinstance(e, ArgumentError) or "not a database" in str(e):
                    raise
                time.sleep(0.5 + attempt)
    except ConfigError:
        raise
    except Exception as e:  # worded below; anything else is re-raised there
        raise storage_error(url, e) from None


def _check_file(url: str) -> None:
    """A sqlite file or journal in a folder that does not exist, or a folder given as the file."""
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"The study storage {url} is a folder, not a database file.",
                          hint=f"Name a file in it: --storage sqlite:///{path / 'study.db'}.")
    if not path.parent.is_dir():
        raise ConfigError(f"The study storage {url} is in a folder that does not exist: {path.parent}.",
                          hint=f"Create it (mkdir -p {path.parent}), or pass another --storage.")


def storage_error(url: str, error: BaseException) -> BaseException:
    """`error` (met opening or writing the storage at `url`) as the ConfigError a user can act on; an
    error that is none of the storage's own is returned as it is."""
    original = error
    while type(error).__name__ == "StorageInternalError" and error.__cause__ is not None:
        error = error.__cause__  # optuna's wrapper of the database's own error
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = text.split(") ", 1)[1] if text.startswith("(") and ") " in text else text  # "(sqlite3.X) ..."
    path = sqlite_path(url)
    name = type(error).__name__
    if name in ("NoSuchModuleError", "ArgumentError") or (isinstance(error, ValueError) and "://" not in url
                                                         and path is None):
        return ConfigError(f"The study storage {shown(url)} is not a storage optuna can open: {text}.",
                           hint=_FORMS)
    if isinstance(error, (ImportError, ValueError)):  # optuna words a missing driver as a ValueError
        return ConfigError(f"Cannot open the study storage {shown(url)}: its database driver is not installed"
                           f" ({text}).", hint="Install the driver (postgresql: `pip install psycopg`, mysql:"
                                               " `pip install pymysql`), or pass another --storage. " + _FORMS)
    if path is not None and isinstance(error, OSError) or (path is not None and name in (
            "OperationalError", "DatabaseError")):
        if not _writable(path):
            reason = os.strerror(30) if _read_only_fs(path) else "not writable"
            return ConfigError(f"Cannot write the study storage {path}: {reason}.",
                               hint=f"Make {path} (and its folder) writable, or pass another --storage.")
        if name == "DatabaseError" or "not a database" in text:
            return ConfigError(f"The study storage {path} is not a study database: {text}.",
                               hint=f"If it is another file, pass another --storage. If it was the study's and"
                                    f" is damaged, move it aside (mv {path} {path}.broken) and start the search"
                                    " again under its own --experiment-name NAME.")
        return ConfigError(f"Cannot open the study storage {path}: {text}.",
                           hint="Check the file and its folder, or pass another --storage.")
    if name in ("OperationalError", "InterfaceError", "DatabaseError"):
        return ConfigError(f"Cannot reach the study storage {shown(url)}: {text}.",
                           hint="Start the database server (or check the host, port, user, password and database"
                                " name in the URL), or pass another --storage.")
    return original


def _writable(path: Path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False
