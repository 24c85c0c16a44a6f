"""Cache keys of tasks and the records that let a rerun skip them.

A task's key covers exactly what can change its result: the project source its function and the
configurables it used can reach (`code_reach`: function by function, not file by file), the gin
bindings of every configurable it used (macros substituted), the files and folders those bindings
name or the task declared (`data_paths`: a listing's fingerprint, never the bytes), and the versions
of the state keys it read. A value a task writes gets the version `digest(task key, state key)`: provenance, not
content, so that deciding what to rerun never hashes a dataset or a model.

The inputs of a key are kept in the task's record as well, so that a plan can say why a task runs
again: `Resnet.n_layers: 10 -> 20`, `tasks/models/resnet.py:Resnet changed`,
`data changed: sounds/siren (+5 files)`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config.resolution import ResolvedConfig
from ..config.text.values import canonical_text
from .code_reach import CodeReach
from .data_paths import DataFingerprints, Listing, describe_change
from .fingerprint import digest

__all__ = ["TaskRecord", "KeyInputs", "key_inputs", "written_version", "CodeDigests", "changes"]


@dataclass
class TaskRecord:
    """What a finished task did, as stored in `state/index.json`."""

    task: str  # dotted name of the task function
    key: str
    used: list[str]  # gin selectors of the configurables it used
    reads: dict[str, str]  # state key -> version it read
    writes: dict[str, dict] = field(default_factory=dict)  # key -> {version, file, format}
    deletes: list[str] = field(default_factory=list)
    folder: str | None = None  # under state/
    inputs: dict | None = None  # KeyInputs.to_json(): what the key was made of
    declared: list[str] = field(default_factory=list)  # paths the task declared it read (`declared`)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TaskRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class KeyInputs:
    """What a task's key is made of."""

    identity: str
    code: dict[str, str]  # "file:definition" -> digest of that part of the project's source
    bindings: dict[str, str]  # "scope/selector.arg" -> its value as text
    reads: dict[str, str]  # state key -> version
    data: dict[str, Listing] = field(default_factory=dict)  # path -> its listing (`data_paths`)

    @property
    def key(self) -> str:
        # Without data the key is what it was before data was keyed: records made then stay valid.
        data = ["--data--", *[f"{k}={v.digest}" for k, v in sorted(self.data.items())]] if self.data else []
        return digest(self.identity, *[f"{k}:{v}" for k, v in sorted(self.code.items())],
                      "--bindings--", *[f"{k}={v}" for k, v in sorted(self.bindings.items())],
                      "--reads--", *[f"{k}={v}" for k, v in sorted(self.reads.items())], *data)

    def to_json(self) -> dict:  # identity and reads are in the record
        return {"code": self.code, "bindings": self.bindings,
                **({"data": {k: v.to_json() for k, v in self.data.items()}} if self.data else {})}


def key_inputs(identity: str, code: dict[str, str], selectors, config: ResolvedConfig,
               reads: dict[str, str], data: dict[str, Listing] | None = None) -> KeyInputs:
    wanted = set(selectors)
    bindings = {}
    for b in config.bindings:
        if not b.is_macro and b.selector in wanted:
            scope = f"{b.scope}/" if b.scope else ""
            bindings[f"{scope}{b.selector}.{b.arg}"] = canonical_text(b.value, config.macros)
    return KeyInputs(identity, code, bindings, dict(reads), dict(data or {}))


def written_version(key: str, state_key: str) -> str:
    return digest(key, state_key)


def changes(old: dict | None, new: KeyInputs, limit: int = 4) -> list[str]:
    """What differs between a record's inputs and today's: bindings (old -> new), source, then data."""
    if not old:
        return []
    found = []
    before, after = old.get("bindings", {}), new.bindings
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            found.append(f"{_short(key)}: {before.get(key, '(default)')} -> {after.get(key, '(default)')}")
    code_before, code_after = old.get("code", {}), new.code
    for part in sorted(set(code_before) | set(code_after)):
        if code_before.get(part) != code_after.get(part):
            verb = "added" if part not in code_before else "removed" if part not in code_after else "changed"
            found.append(f"{part} {verb}")
    data_before, data_after = old.get("data", {}), {k: v.to_json() for k, v in new.data.items()}
    for path in sorted(set(data_before) & set(data_after)):  # a path named anew: its binding changed
        if data_before[path].get("digest") != data_after[path].get("digest"):
            found.append("data changed: " + describe_change(path, data_before.get(path), data_after.get(path)))
    if len(found) > limit:
        found = found[:limit] + [f"{len(found) - limit} more"]
    return found


def _short(binding: str) -> str:
    """`tasks.models.resnet.Resnet.n_layers` -> `Resnet.n_layers` (scopes kept)."""
    scope, _, rest = binding.rpartition("/")
    parts = rest.split(".")
    short = ".".join(parts[-2:])
    return f"{scope}/{short}" if scope else short


class CodeDigests:
    """Digests of the project source that definitions reach, for one run (see `code_reach`)."""

    def __init__(self, root: Path):
        self.reach = CodeReach(root)
        self.data = DataFingerprints(root)  # the data on disk, listed once per plan (see `data_paths`)
        self._parts: dict[tuple[str, str], dict[str, str]] = {}

    def of(self, sites, task_site: tuple[str, str] | None = None) -> dict[str, str]:
        """"file:definition" -> digest, over every project part the definitions at `sites` reach.

        A task defined outside the project (an installed package's) still has its own statement
        in its key."""
        parts = {}
        for site in sorted(set(sites)):
            if site not in self._parts:
                self._parts[site] = ({f"{p.file}:{p.name}": digest(p.text) for p in self.reach.parts(*site)}
                                     if self.reach.is_project(site[0]) else {})
            parts.update(self._parts[site])
        if task_site is not None and not self.reach.is_project(task_site[0]):
            parts[f"{Path(task_site[0]).name}:{task_site[1]}"] = self.reach.statement_digest(*task_site)
        return parts
