"""GinPipe's import lists (`--module_list`): one `python.module: alias` per line, or
`module.Object: alias` for a single object. Each target is checked where it is read, so a typo
names its file and line before anything runs."""
from __future__ import annotations

from pathlib import Path

from ...errors import ConfigError, Where
from .file_text import read_config_text
from ..registry.importing import import_object, imported_module
from ..registry.lookup import Lookup

__all__ = ["read_module_list", "parse_module_list"]


def read_module_list(path: str, lookup: Lookup | None = None) -> dict[str, str]:
    """Read a GinPipe import list: one `python.module: alias` per line (or `module.Object: alias`)."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"Import list {path} does not exist.", None,
                          "Pass an existing file to --module_list (GinPipe's `configs/imports`).")
    return parse_module_list(read_config_text(file, None, "Import list"), path, lookup)


def parse_module_list(text: str, source: str, lookup: Lookup | None = None) -> dict[str, str]:
    """alias -> module or object path, from import-list text; each target is checked here (imported,
    unless a `Lookup` can tell from the source or its cache)."""
    aliases: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        where = Where(source, number, line)
        target, sep, alias = (part.strip() for part in content.partition(":"))
        if not sep or not target or not alias or " " in target or " " in alias:
            raise ConfigError("Malformed import-list line: expected `python.module: alias`.", where,
                              "For example `torch.optim: optim` or `mypkg.tasks: tasks`.")
        if lookup is not None:
            if not lookup.is_module(target):
                lookup.object(target, where, alias)
        elif imported_module(target) is None:
            import_object(target, where, alias)  # a single object, e.g. `transformers.Model: Model`
        aliases[alias] = target
    return aliases
