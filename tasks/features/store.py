"""`FeatureStore`: the sharded feature store one extractor's settings and code share across experiments.

Layout: `<root>/store-<key>/settings.json`, `shards/<digest>.arrow` (see `shard_file`) and
`index.arrow`, one row per file ever extracted: where its features are (shard, row) and the file as
it was (path, size, mtime, content digest). The key is the extractor's `settings()` and the digest of
its code (`ginpipe.io.code_digest`): an edited extractor, or a helper it calls, gets a new store.

A file's features are current when its path, size and modification time match a row of the index:
deciding so reads no audio (as make and DVC do). A file whose stats changed is hashed, and features
of the same content (a copy, a touched file) are reused. Every experiment, sweep or study that uses
the same files and extractor finds them, whatever its split or subset.

The shards are the truth, the index a summary of them: a shard on disk that the index does not list
(written by a run killed before it updated the index, or by a concurrent run whose index write lost)
is read back into it, so nothing finished is ever computed again.

A shard is trusted by the same rule as an audio file: the index records its size and mtime when its
job wrote it (or when it was last read whole), and a shard whose stats still match is only checked
for its structure and row count. One whose stats changed (overwritten, copied, or never recorded)
is read whole against the checksum written with it: damaged, it is discarded and its files are
extracted again; whole, its new stats are recorded.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from loguru import logger

from ginpipe.io import atomic_write, code_digest, mark_cache, write_text

from .shard_file import INDEX_COLUMNS, DamagedShardError, open_shard, read_shard_index, verify_shard

LOCATION = ["shard", "row"]
SHARD_STATS = ["shard_size", "shard_mtime_ns"]  # the shard file as the store last knew it whole; -1: unknown
_STALE_S = 24 * 3600


class FeatureStore:
    """The shards and index of one extractor (settings and code).

    Example:
        >>> store = FeatureStore("data/generated/features", LogMel())  # doctest: +SKIP
        >>> store.folder.name  # doctest: +SKIP
        'store-5f0c1e9a2b7d4c11'
    """

    def __init__(self, root: str | os.PathLike, extractor: Any):
        self.settings = {**extractor.settings(), "code": code_digest(extractor)}
        text = json.dumps(self.settings, sort_keys=True, default=str)
        self.key = "store-" + hashlib.sha1(text.encode()).hexdigest()[:16]
        self.folder = Path(root).expanduser().resolve() / self.key
        self.shards = self.folder / "shards"
        self.index_path = self.folder / "index.arrow"
        self.stats_recorded = False  # `locate` recorded a shard's new stats: the index must be written

    def prepare(self) -> None:
        """Create the folders, write `settings.json` for humans, mark the folder as a cache
        (`ginpipe gc` removes it once no kept experiment's state mentions its name)."""
        self.shards.mkdir(parents=True, exist_ok=True)
        mark_cache(self.folder, "feature store")
        info = self.folder / "settings.json"
        if not info.exists():
            write_text(info, json.dumps(self.settings, indent=2, sort_keys=True, default=str), durable=False)
        # A worker killed while writing a shard leaves its temporary file: gone after a day (a
        # younger one may belong to a job still running, on this machine or another).
        for partial in self.shards.glob(".tmp-*.partial"):
            try:
                if time.time() - partial.stat().st_mtime > _STALE_S:
                    partial.unlink()
            except OSError:
                pass

    def shard_path(self, name: str) -> Path:
        return self.shards / name

    # -- the index --------------------------------------------------------------------------------
    def read_index(self) -> pd.DataFrame:
        """Every file the store holds, with its location (`shard`, `row`): the index, plus the shards
        on disk it does not list yet."""
        index = _empty_index()
        if self.index_path.is_file():
            try:
                found = pa.ipc.open_file(pa.memory_map(str(self.index_path), "r")).read_all().to_pandas()
                if not set(INDEX_COLUMNS + LOCATION) <= set(found.columns):  # another Arrow file copied over it
                    raise ValueError(f"not a feature store index (columns {', '.join(map(str, found.columns))})")
                for column in SHARD_STATS:  # an index written before shards' stats were recorded
                    if column not in found.columns:
                        found[column] = np.int64(-1)
                index = found
            except (pa.ArrowInvalid, OSError, ValueError) as e:
                logger.warning(f"feature store index {self.index_path} is damaged ({e}): rebuilt from its shards")
        on_disk = {p.name for p in self.shards.glob("*.arrow")}
        listed = set(index["shard"].unique())
        gone = listed - on_disk
        if gone:
            index = index[~index["shard"].isin(gone)]
        unlisted = [self._listing(name, trusted=False) for name in sorted(on_disk - listed)]
        frames = [index, *[u for u in unlisted if u is not None]]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else index

    def add_to_index(self, index: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        """The index with these shards' rows added (and extra rows), written atomically."""
        new = [self._listing(name, trusted=True) for name in names]  # just written or verified by their jobs
        index = pd.concat([index, *[n for n in new if n is not None]], ignore_index=True)
        return self.write_index(index)

    def write_index(self, index: pd.DataFrame) -> pd.DataFrame:
        index = index.drop_duplicates(["path", "size", "mtime_ns"], keep="last").reset_index(drop=True)
        table = pa.Table.from_pandas(index, preserve_index=False)
        atomic_write(self.index_path, lambda f: _write_ipc(f, table), durable=False)
        return index

    def _listing(self, name: str, trusted: bool) -> pd.DataFrame | None:
        """The shard's rows for the index; its stats recorded when `trusted` (else checked whole
        the first time a run needs it)."""
        path = self.shard_path(name)
        try:
            frame = read_shard_index(path).to_pandas()
            stats = os.stat(path)
        except (DamagedShardError, OSError) as e:
            self.discard(name, f"{e}")
            return None
        frame["shard"], frame["row"] = name, np.arange(len(frame), dtype=np.int32)
        frame["shard_size"], frame["shard_mtime_ns"] = (stats.st_size, stats.st_mtime_ns) if trusted else (-1, -1)
        return frame

    # -- current-ness -----------------------------------------------------------------------------
    def locate(self, paths: list[str], index: pd.DataFrame,
               recompute: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Each path's stats and, where the store holds it, its index row (NaN shard: not held).

        `recompute` holds nothing as current (`ginpipe reproduce`: every feature computed again).
        Returns `(located, index)`: the index gains rows for files found by content.
        """
        sizes, mtimes = stat_files(paths)
        wanted = pd.DataFrame({"path": paths, "size": sizes, "mtime_ns": mtimes})
        if recompute:
            return wanted.merge(_empty_index(), on=["path", "size", "mtime_ns"], how="left"), index
        # One location per file: a file in two shards (a concurrent run, a recomputation) is read
        # from the last one listed, and the merge keeps one row per path asked for.
        index = index.drop_duplicates(["path", "size", "mtime_ns"], keep="last")
        located = wanted.merge(index, on=["path", "size", "mtime_ns"], how="left")
        located, index = self._drop_damaged(located, index)
        missing = located["shard"].isna() & (located["size"] >= 0)
        if missing.any() and len(index):
            located, index = self._by_content(located, index, missing)
        return located, index

    def _drop_damaged(self, located: pd.DataFrame, index: pd.DataFrame):
        """Shards no longer whole (truncated, or changed since written, see the module): discarded,
        their files computed again. Only shards whose stats changed are read whole."""
        needed = located["shard"].dropna().unique()
        shards = index.drop_duplicates("shard", keep="last").set_index("shard")
        last_row = index.groupby("shard")["row"].max()
        damaged, changed = [], {}
        for name in needed:
            path = self.shard_path(name)
            try:
                stats = os.stat(path)
                now = (stats.st_size, stats.st_mtime_ns)
                if now == (shards.at[name, "shard_size"], shards.at[name, "shard_mtime_ns"]):
                    rows = open_shard(path).num_rows
                else:
                    rows = verify_shard(path).num_rows
                    changed[name] = now
                if rows <= int(last_row[name]):
                    raise DamagedShardError(f"{path}: {rows} rows, the index lists more")
            except (DamagedShardError, OSError) as e:
                damaged.append(name)
                changed.pop(name, None)
                self.discard(name, str(e), count=int((located["shard"] == name).sum()))
        for name, now in changed.items():  # whole: trusted by its stats from now on
            index.loc[index["shard"] == name, SHARD_STATS] = now
            self.stats_recorded = True
        if damaged:
            lost = located["shard"].isin(damaged)
            located.loc[lost, [c for c in located.columns if c not in ("path", "size", "mtime_ns")]] = np.nan
            index = index[~index["shard"].isin(damaged)]
        return located, index

    def _by_content(self, located: pd.DataFrame, index: pd.DataFrame, missing: pd.Series):
        """Files whose stats are new but whose bytes the store holds (a copy, a touched file)."""
        known = index[index["content"] != ""].drop_duplicates("content").set_index("content")
        if known.empty:
            return located, index
        rows = np.flatnonzero(missing.to_numpy())
        with ThreadPoolExecutor(8) as pool:
            digests = list(pool.map(_hash_file, located["path"].to_numpy()[rows]))
        found = [(r, d) for r, d in zip(rows, digests) if d in known.index]
        if not found:
            return located, index
        extra = []
        for r, digest in found:
            entry = known.loc[digest]
            row = {c: entry[c] for c in known.columns}
            row.update(content=digest, path=located.at[r, "path"], size=located.at[r, "size"],
                       mtime_ns=located.at[r, "mtime_ns"])
            extra.append(row)
            for column, value in row.items():
                located.at[r, column] = value
        logger.info(f"features of {len(found)} files found by content (copied or touched files)")
        return located, pd.concat([index, pd.DataFrame(extra)], ignore_index=True)

    def discard(self, name: str, why: str, count: int | None = None) -> None:
        """Remove a damaged shard (ours: the store wrote it) and say so."""
        files = f"its {count} files are" if count else "its files are"
        why = why.removeprefix(f"{self.shard_path(name)}: ")
        logger.warning(f"feature shard {self.shard_path(name)} is damaged ({why}); {files} extracted again.")
        self.shard_path(name).unlink(missing_ok=True)


def stat_files(paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Size and mtime (ns) of each path: -1 where it cannot be stat'ed (the job then says why)."""
    sizes, mtimes = np.full(len(paths), -1, np.int64), np.full(len(paths), -1, np.int64)
    for i, path in enumerate(paths):
        try:
            st = os.stat(path)
        except OSError:
            continue
        sizes[i], mtimes[i] = st.st_size, st.st_mtime_ns
    return sizes, mtimes


def _hash_file(path: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _empty_index() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        INDEX_COLUMNS + LOCATION + SHARD_STATS,
        [object, np.int64, np.int64, object, np.int32, np.int32, object, object, np.int32, np.int64, np.int64])})
    return frame


def _write_ipc(f, table: pa.Table) -> None:
    with pa.ipc.new_file(f, table.schema) as writer:
        writer.write_table(table)
