"""The one mapping that tasks share during a run, recording what each task reads and writes.

There is one `State` per run (no class-level globals). Values restored from an earlier run are
loaded lazily, on first access, so a rerun where everything is cached loads nothing at all.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Callable, Iterator

from . import fingerprint

__all__ = ["State", "Access"]

ABSENT = "absent"


@dataclass
class Access:
    """What one task did to the state: keys read (with their version then) and keys written."""

    reads: dict[str, str] = field(default_factory=dict)  # key -> version when first read
    snapshots: dict[str, str | None] = field(default_factory=dict)  # key -> content when first read
    writes: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)


class State(MutableMapping):
    """A mapping with attribute access (`state.model` is `state["model"]`), as in GinPipe.

    Example:
        >>> state = State({"seed": 3})
        >>> state.seed, "model" in state
        (3, False)
    """

    def __init__(self, initial: dict | None = None):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_lazy", {})  # key -> loader, for values still on disk
        object.__setattr__(self, "_versions", {})  # key -> version (who made it, from what)
        object.__setattr__(self, "_access", None)  # the running task's Access, if any
        for key, value in (initial or {}).items():
            self._values[key] = value
            self._versions[key] = fingerprint.content(value) or f"initial:{key}"

    # -- mapping protocol, with recording ------------------------------------------------------
    def __getitem__(self, key: str):
        self._record_read(key)
        if key in self._lazy:
            self._values[key] = self._lazy.pop(key)()
        return self._values[key]

    def __setitem__(self, key: str, value) -> None:
        if self._access is not None:
            self._access.writes.add(key)
            self._access.deletes.discard(key)
        self._lazy.pop(key, None)
        self._values[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self._values and key not in self._lazy:
            raise KeyError(key)
        if self._access is not None:
            self._access.writes.discard(key)
            self._access.deletes.add(key)
        self._values.pop(key, None)
        self._lazy.pop(key, None)

    def __contains__(self, key) -> bool:
        self._record_read(key)
        return key in self._values or key in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._values) + [k for k in self._lazy if k not in self._values])

    def __len__(self) -> int:
        return len(set(self._values) | set(self._lazy))

    # -- attribute access, as GinPipe tasks use it ---------------------------------------------
    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"The state has no key {name!r}.") from None

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        del self[name]

    def __repr__(self) -> str:
        return f"State({sorted(self)})"

    def copy(self) -> dict:
        """A plain dict of every value, as `dict.copy` gave GinPipe's dict-based State (each key is read)."""
        return {key: self[key] for key in self}

    def __getstate__(self):  # pickling a State materialises it
        return {key: self[key] for key in self}

    def __setstate__(self, values):
        State.__init__(self, values)

    # -- used by the runner --------------------------------------------------------------------
    def version(self, key: str) -> str:
        """Who made the current value of `key` and from what (`absent` when there is none)."""
        if key not in self._values and key not in self._lazy:
            return ABSENT
        return self._versions.get(key, ABSENT)

    def put(self, key: str, value=None, *, version: str, loader: Callable | None = None) -> None:
        """Set `key` without recording a write: a value restored from the cache, or made by the runner."""
        self._values.pop(key, None)
        self._lazy.pop(key, None)
        if loader is not None:
            self._lazy[key] = loader
        else:
            self._values[key] = value
        self._versions[key] = version

    def set_version(self, key: str, version: str) -> None:
        self._versions[key] = version

    def discard(self, key: str) -> None:
        self._values.pop(key, None)
        self._lazy.pop(key, None)
        self._versions.pop(key, None)

    def peek(self, key: str):
        """The value of `key` without recording a read (loads it if it is still on disk)."""
        if key in self._lazy:
            self._values[key] = self._lazy.pop(key)()
        return self._values[key]

    def begin(self) -> Access:
        access = Access()
        object.__setattr__(self, "_access", access)
        return access

    def end(self) -> Access:
        """Stop recording; keys read and then changed in place count as written."""
        access = self._access
        object.__setattr__(self, "_access", None)
        for key, before in access.snapshots.items():
            if key in access.writes or key in access.deletes or before is None:
                continue
            if key in self._values and fingerprint.content(self._values[key]) != before:
                access.writes.add(key)
        return access

    def _record_read(self, key) -> None:
        access = self._access
        if access is None or key in access.reads or key in access.writes:
            return  # only first reads of values the task did not make itself are inputs
        access.reads[key] = self.version(key)
        if key in self._values or key in self._lazy:
            if key in self._lazy:
                self._values[key] = self._lazy.pop(key)()
            access.snapshots[key] = fingerprint.content(self._values[key])
