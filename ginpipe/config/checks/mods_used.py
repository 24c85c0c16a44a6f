"""A `--mods` macro must change something: one that no config file defines or uses is a typo.

`--mods MAX_EPOCH=3` beside a config's `MAX_EPOCHS = 20` would otherwise train 20 epochs in silence.
A macro is used when a binding refers to it (`%NAME`), an `$()` expression does, or ginpipe reads it
(the folder macros). A genuinely new macro is defined on purpose in a config file (`NAME = value`).
"""
from __future__ import annotations

import re

from ...errors import ConfigError, did_you_mean
from ..text.composition import Composition
from ..text.values import MacroRef, walk

__all__ = ["check_mod_macros"]

FLAGS = ("--mods", "--sweep", "--search")  # a sweep's or study's values, checked before it launches
READ_BY_GINPIPE = {"EXPERIMENT_NAME", "PROJECT_NAME", "OUTPUT_DIR"}
_MACRO_IN_EXPRESSION = re.compile(r"%([A-Za-z_][A-Za-z0-9_./]*)")


def check_mod_macros(composition: Composition) -> None:
    """Raise for a macro bound only by --mods that nothing refers to."""
    used = set(READ_BY_GINPIPE)
    for b in composition.bindings:
        used.update(leaf.name for leaf in walk(b.value) if isinstance(leaf, MacroRef))
    for text, _ in composition.expressions.values():
        used.update(_MACRO_IN_EXPRESSION.findall(text))
    defined_in_files = {b.macro_name for b in composition.bindings if b.is_macro and b.where.file not in FLAGS}
    known = (used | defined_in_files) - READ_BY_GINPIPE
    for b in composition.bindings:
        if not b.is_macro or b.where.file not in FLAGS:
            continue
        name = b.macro_name
        if name in used or name in defined_in_files:
            continue
        raise ConfigError(
            f"{b.where.file} sets macro {name}, which no config file defines or uses, so it would change"
            f" nothing.{did_you_mean(name, known)}", b.where,
            f"Existing macros: {', '.join(sorted(known)) or 'none'}. To add a new macro on purpose,"
            f" define it in a config file (`{name} = ...`) and refer to it as `%{name}`.")
