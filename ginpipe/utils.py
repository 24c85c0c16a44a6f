"""The original GinPipe's `ginpipe.utils`: a saved `config.gin` read as a dict, and pruned for inference.

Hub loaders call `get_model_config(config_path, targets, replacements)` to keep, from a training
config, only the bindings a model needs (the targets and everything they reference through `@name`
and `%MACRO`), renamed where `replacements` says, then `gin.parse_config` the result.
Unlike GinPipe's, this module imports no torch, and a value that contains `=` is kept whole.
"""
from __future__ import annotations

import re

__all__ = ["config_to_dict", "get_model_config"]

_REFERENCE = re.compile(r"@([^,\s\[\]()]+)")
_MACRO = re.compile(r"%([^,\s\[\]()]+)")


def config_to_dict(config) -> dict[str, str]:
    """`selector.param` (or macro) -> value text, from a config file as gin prints it.

    Lines starting with `#` are skipped; a line without `=` continues the value above (gin prints a
    long list over several lines, the first ending in a backslash).
    """
    with open(config) as f:
        lines = f.read().split("\n")
    result: dict[str, str] = {}
    key, value = "", ""
    for line in lines:
        if line.startswith("#"):
            continue
        if "=" in line and not _inside_value(value):
            if key:
                result[key] = value
            key, _, value = (part.strip() for part in line.partition("="))
            if value == "\\":
                value = ""
        else:
            value += line.strip()
    result[key] = value
    return result


def get_model_config(config_path, targets, replacements, additions=None) -> str:
    """Config text holding only `targets`' bindings and what they reference, for rebuilding a model.

    Args:
        config_path: a `config.gin` saved with an experiment.
        targets: selectors to keep (`'Resnet'` keeps every `Resnet.*` binding); a short name also
            matches the last part of a dotted key.
        replacements: `{old key: new key}` applied to the kept bindings.
        additions: `{key: value text}` added to the config before pruning.

    Returns macros first, then bindings, each sorted, one `key=value` per line.
    """
    bindings = config_to_dict(config_path)
    bindings.update(additions or {})
    kept: dict[str, str] = {}
    for target in targets:
        _gather(bindings, kept, target, set())
    for old, new in replacements.items():
        if old in kept:
            kept[new] = kept.pop(old)
    macros = "".join(f"\n{k}={v}" for k, v in sorted(kept.items()) if "." not in k)
    params = "".join(f"\n{k}={v}" for k, v in sorted(kept.items()) if "." in k)
    return macros + "\n" + params


def _matches(key: str, target: str) -> bool:
    last = target.split(".")[-1]
    if key.startswith(target) or key.startswith(last):
        return True
    if "/" in target:  # a scoped target: `train/Loader` matches `train/...Loader`
        scope = target.split("/")[0]
        return key.startswith(f"{scope}/{target.split('/')[-1].split('.')[-1]}")
    return False


def _gather(bindings: dict[str, str], kept: dict[str, str], target: str, visiting: set[str]) -> None:
    if target in visiting:  # a reference cycle would recurse forever
        return
    visiting.add(target)
    for key, value in bindings.items():
        if _matches(key, target):
            for name in _REFERENCE.findall(value) or _MACRO.findall(value):
                _gather(bindings, kept, name, visiting)
            kept[key] = value


def _inside_value(value: str) -> bool:
    """Whether a value begun above still has an open bracket (then `=` inside it is not a new key)."""
    return value.count("[") + value.count("(") + value.count("{") > \
        value.count("]") + value.count(")") + value.count("}")
