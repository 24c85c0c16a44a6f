"""Which names an experiment's saved state mentions: how `ginpipe gc` knows what is still in use.

A cache folder is named after a hash of its settings (`features/3f2a.../`, `synthetic-hard-1a2b.../`),
so an experiment uses it when its state mentions that name, whether the paths there are absolute or
relative to where the run started. Pickles and torch files hold their strings as plain bytes (torch
writes an uncompressed zip; pyarrow arrays pickle their buffers), so they are searched as they are;
parquet files are compressed and are read (pyarrow, only when there is one). A file that cannot be
read counts as mentioning everything: when in doubt, gc keeps.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["mentioned", "state_files"]


def state_files(experiment: Path) -> list[Path]:
    """Every saved state value of an experiment (restored ones are hard links there too)."""
    folder = experiment / "state"
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".pkl", ".pt", ".parquet")) \
        if folder.is_dir() else []


def mentioned(experiment: Path, names: set[str]) -> set[str]:
    """The subset of `names` that the experiment's saved state mentions."""
    wanted = {name: name.encode() for name in names}
    found: set[str] = set()
    for path in state_files(experiment):
        if len(found) == len(wanted):
            break
        try:
            if path.suffix == ".parquet":
                data = _parquet_text(path)
                found |= {name for name, raw in wanted.items() if raw in data}
            else:
                found |= _search_file(path, {n: r for n, r in wanted.items() if n not in found})
        except Exception:  # unreadable: it may mention anything, keep it all
            return set(names)
    return found


def _search_file(path: Path, wanted: dict[str, bytes], chunk: int = 8 << 20) -> set[str]:
    """The names found in a file read in chunks (a model's weights need not fit in memory twice)."""
    found: set[str] = set()
    overlap = max((len(raw) for raw in wanted.values()), default=1) - 1
    tail = b""
    with open(path, "rb") as f:
        while block := f.read(chunk):
            data = tail + block
            found |= {name for name, raw in wanted.items() if raw in data}
            tail = data[-overlap:] if overlap else b""
    return found


def _parquet_text(path: Path) -> bytes:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = [str(table.schema).encode()]
    for column in table.columns:
        if str(column.type) in ("string", "large_string") or str(column.type).startswith("dictionary"):
            parts.append("\n".join(map(str, column.to_pylist())).encode())
    return b"\n".join(parts)
