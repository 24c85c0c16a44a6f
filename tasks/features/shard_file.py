"""One feature shard: an Arrow IPC file of a few hundred to a few thousand clips' features.

Why Arrow IPC (the "Feather v2" file format) rather than Parquet or WebDataset tar: an uncompressed
IPC file is read by memory-mapping it, with no decoding and no copy, so a training item is a slice of
the page cache (random access for a map-style dataset); pyarrow, polars, DuckDB, pandas
(`read_feather`) and Arrow for R/Julia/Rust read it as it is. Parquet would decompress and decode a
whole column chunk to read one row; a tar file cannot be read at random without an index of its own.

Columns, one row per audio file: `path`, `size`, `mtime_ns` (the file as it was when extracted),
`content` (blake2b of its bytes), `dim`, `frames`, `error` ('' or why the file cannot be used), and
`features`: list<float32>, the (dim, frames) array in C order (empty for a bad file).

The schema's metadata holds a checksum of every column's values (`ginpipe.crc32`), written with the
shard. Arrow IPC itself checks only the file's structure: bytes overwritten in the middle of the
features, footer intact, read back as other numbers. The store checks the sum when the shard's
size or mtime differ from those it recorded (see `FeatureStore`), so a rerun reads no shard whole.
"""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa

from ginpipe.io import atomic_write

INDEX_COLUMNS = ["path", "size", "mtime_ns", "content", "dim", "frames", "error"]
SCHEMA = pa.schema([("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
                    ("content", pa.string()), ("dim", pa.int32()), ("frames", pa.int32()),
                    ("error", pa.string()), ("features", pa.large_list(pa.float32()))])


CHECKSUM_KEY = b"ginpipe.crc32"


class DamagedShardError(ValueError):
    """A shard file that cannot be read whole (truncated by a full disk, a copy cut short, ...)."""


def write_shard(path: Path, rows: Sequence[dict], features: Sequence[np.ndarray | None]) -> Path:
    """Write one shard atomically (a reader sees the whole file or none)."""
    lengths = np.array([0 if f is None else f.size for f in features], np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = np.concatenate([np.ascontiguousarray(f, np.float32).ravel() for f in features if f is not None]
                            or [np.empty(0, np.float32)])
    columns = {name: [row[name] for row in rows] for name in INDEX_COLUMNS}
    arrays = [pa.array(columns[field.name], field.type) for field in SCHEMA if field.name != "features"]
    arrays.append(pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values, pa.float32())))
    batch = pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
    batch = batch.replace_schema_metadata({CHECKSUM_KEY: checksum(pa.Table.from_batches([batch]))})

    def write(f):
        with pa.ipc.new_file(f, batch.schema) as writer:
            writer.write_batch(batch)

    return atomic_write(path, write, durable=False)


def read_shard_index(path: Path) -> pa.Table:
    """The shard's columns other than the features (memory-mapped: the features are not read)."""
    return open_shard(path).select(INDEX_COLUMNS)


def open_shard(path: Path | str) -> pa.Table:
    """The whole shard, memory-mapped; `DamagedShardError` when it is truncated or not a shard."""
    try:
        reader = pa.ipc.open_file(pa.memory_map(str(path), "r"))
        table = reader.read_all()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as e:
        raise DamagedShardError(f"{path}: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    if not table.schema.equals(SCHEMA):
        raise DamagedShardError(f"{path}: not a feature shard of this version (columns {table.schema.names})")
    return table


def verify_shard(path: Path | str) -> pa.Table:
    """The whole shard, read and compared with the checksum written with it (`DamagedShardError`
    when they differ). A shard of an older ginpipe, written without one, passes as it is."""
    table = open_shard(path)
    written = (table.schema.metadata or {}).get(CHECKSUM_KEY)
    if written is not None and checksum(table) != written.decode():
        raise DamagedShardError(f"{path}: its content does not match the checksum written with it")
    return table


def checksum(table: pa.Table) -> str:
    """CRC-32 of every column's values, in a form that does not depend on how Arrow laid them out.

    CRC-32 rather than a cryptographic digest: it guards against damage, not against an adversary,
    and sums a 1,000-clip shard in about 1 % of the time its job takes to compute it."""
    crc = 0
    for field in SCHEMA:
        column = table.column(field.name).combine_chunks()
        if field.name == "features":
            parts = [column.value_lengths().to_numpy(zero_copy_only=False).astype("<i8"),
                     column.flatten().to_numpy(zero_copy_only=False).astype("<f4")]
        elif pa.types.is_string(field.type):
            parts = ["\x00".join(column.to_pylist()).encode()]
        else:
            parts = [column.to_numpy(zero_copy_only=False).astype("<i8")]
        for part in parts:
            crc = zlib.crc32(memoryview(part).cast("B") if not isinstance(part, bytes) else part, crc)
    return f"{crc:08x}"


class ShardArrays:
    """A shard's features as numpy views of the mapped file: item `r` costs a slice, no copy."""

    def __init__(self, path: str):
        table = open_shard(path)
        chunks = table.column("features")
        # One batch per file: its one chunk is a view of the mapped file (combining would copy).
        column = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()
        self.values = column.values.to_numpy(zero_copy_only=True)
        self.offsets = column.offsets.to_numpy(zero_copy_only=True)
        self.dims = table.column("dim").to_numpy()
        self.frames = table.column("frames").to_numpy()

    def __len__(self) -> int:
        return len(self.frames)

    def item(self, row: int) -> np.ndarray:
        start, stop = self.offsets[row], self.offsets[row + 1]
        return self.values[start:stop].reshape(int(self.dims[row]), int(self.frames[row]))
