"""Composes config files and `--mods` into one ordered list of bindings, parsed by gin's own parser.

Files are applied in the order given and later bindings win; `--mods` come last, in order. gin's
`include` resolves relative to the including file. `import a.b as x` declares an alias and
`import a.b` adds a package whose names are usable short. Nothing is imported here: this only reads.
"""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from gin import config_parser

from ...errors import ConfigError, Where, did_you_mean
from .file_text import read_config_text
from .syntax import ExpandedSource, expand
from .values import MacroRef, Ref, walk

__all__ = ["Binding", "Composition", "compose"]


@dataclass
class Binding:
    """One `scope/selector.arg = value` statement (a macro when `arg` is empty)."""

    scope: str
    selector: str
    arg: str
    value: object
    where: Where
    append: bool = False

    @property
    def is_macro(self) -> bool:
        return not self.arg

    @property
    def macro_name(self) -> str:
        return f"{self.scope}/{self.selector}" if self.scope else self.selector

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.scope, self.selector, self.arg)


@dataclass
class Composition:
    """Everything the config files and mods said, in order, before anything is imported."""

    bindings: list[Binding] = field(default_factory=list)
    blocks: list[tuple[str, Where]] = field(default_factory=list)  # `selector:` block headers
    aliases: dict[str, str] = field(default_factory=dict)
    packages: list[str] = field(default_factory=list)
    initial_state: list[tuple[str, object, Where]] = field(default_factory=list)
    expressions: dict[str, tuple[str, Where]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # every file read, includes and templates too
    sweeps: list[tuple[str, str, Where]] = field(default_factory=list)  # `!sweep:` lines, see ginpipe.sweeps.sweep_plan
    searches: list[tuple[str, str, Where]] = field(default_factory=list)  # `!search:` lines, see ginpipe.search.space

    def macros(self) -> dict[str, Binding]:
        """Macro name -> its last binding."""
        return {b.macro_name: b for b in self.bindings if b.is_macro}

    def names(self) -> list[tuple[str, Where]]:
        """Every configurable the config mentions (binding selectors, blocks, references), in order."""
        found = [(s, w) for s, w in self.blocks]
        for b in self.bindings:
            if not b.is_macro:
                found.append((b.selector, b.where))
            found.extend((r.selector, b.where) for r in walk(b.value) if isinstance(r, Ref))
        return found


class _RecordingDelegate(config_parser.ParserDelegate):
    """Lets gin's parser build our own light reference objects: nothing is looked up yet."""

    def configurable_reference(self, scoped_configurable_name, evaluate):
        return Ref(scoped_configurable_name, evaluate)

    def macro(self, macro_name):
        return MacroRef(macro_name)


def compose(config_files: list[str], mods: list[str] | None = None) -> Composition:
    """Read `config_files` then `mods` into one `Composition`."""
    composition = Composition()
    for path in config_files:
        _add_file(composition, path, Where("<command line>", 0), depth=0)
    for number, mod in enumerate(mods or [], 1):
        where = Where("--mods", number, mod)
        text = mod.strip()
        if "=" not in text and not text.startswith(("include ", "import ", "from ")):
            raise ConfigError(f"Mod `{mod}` is not a binding: expected `name.param=value` or `MACRO=value`.",
                              where, "For example: --mods \"Resnet.n_layers=20\" SEED=3")
        _add_source(composition, expand(text, "--mods", Path.cwd()), Path.cwd(), depth=0, mod_number=number)
    return composition


def _add_file(composition: Composition, path: str, where: Where, depth: int) -> None:
    file = Path(path)
    if not file.exists():
        siblings = [str(p) for p in file.parent.glob("*.gin")] if file.parent.is_dir() else []
        raise ConfigError(f"Config file {path} does not exist.", where if where.line else None,
                          did_you_mean(str(path), siblings).strip() or "Check the path (it is relative to"
                          " the current folder, or to the including file for `include`).")
    if depth > 30:
        raise ConfigError(f"`include` nests more than 30 deep at {path} (a file includes itself?).", where)
    composition.files.append(str(path))
    text = read_config_text(file, where if where.line else None)
    _add_source(composition, expand(text, str(path)), file.parent, depth)


def _add_source(composition: Composition, source: ExpandedSource, base: Path, depth: int,
                mod_number: int | None = None) -> None:
    for number, entry in enumerate(source.initial_state):
        _add_initial(composition, entry, append=number in source.state_appends)
    composition.expressions.update(source.expressions)
    composition.sweeps.extend(source.sweeps)
    composition.searches.extend(source.searches)
    named = io.StringIO(source.text)
    for statement in _parse(named, source, mod_number):
        line = statement.location.line_num
        where = source.where(line)
        if mod_number is not None:
            where = Where("--mods", mod_number, where.text)
        if isinstance(statement, config_parser.BindingStatement):
            composition.bindings.append(Binding(statement.scope, statement.selector, statement.arg_name,
                                                statement.value, where, append=line in source.appends))
        elif isinstance(statement, config_parser.BlockDeclaration):
            composition.blocks.append((statement.selector, where))
        elif isinstance(statement, config_parser.IncludeStatement):
            target = base / statement.filename
            path = target if target.is_file() else Path(statement.filename)
            _add_file(composition, str(path if path.is_file() else target), where, depth + 1)
        elif isinstance(statement, config_parser.ImportStatement):
            _add_import(composition, statement)


def _add_initial(composition: Composition, entry: tuple, append: bool) -> None:
    """`$key = v` sets an initial-state entry; `$key += [...]` extends the list an earlier one set."""
    key, value, where = entry
    earlier = next((i for i in range(len(composition.initial_state) - 1, -1, -1)
                    if composition.initial_state[i][0] == key), None)
    if append and earlier is not None:
        previous = composition.initial_state[earlier][1]
        if not isinstance(value, (list, tuple)) or not isinstance(previous, (list, tuple)):
            raise ConfigError(f"`${key} +=` appends a list to a list, but `${key}` is {previous!r} and"
                              f" the value added is {value!r}.", where,
                              f"Write e.g. `${key} += ['model']` after `${key} = [...]`.")
        value = [*previous, *value]
    composition.initial_state.append((key, value, where))


def _add_import(composition: Composition, statement: config_parser.ImportStatement) -> None:
    if statement.module.startswith("__gin__."):
        return  # e.g. dynamic_registration: ginpipe always registers on demand
    if statement.alias or statement.is_from:
        composition.aliases[statement.bound_name()] = statement.module
    else:
        composition.packages.append(statement.module)


def _parse(text: io.StringIO, source: ExpandedSource, mod_number: int | None):
    parser = config_parser.ConfigParser(text, _RecordingDelegate())
    while True:
        try:
            statement = parser.parse_statement()
        except SyntaxError as e:
            where = source.where(e.lineno or 0)
            if mod_number is not None:
                where = Where("--mods", mod_number, where.text)
            raise ConfigError(f"Syntax error: {e.msg}", where,
                              "A binding looks like `name.param = value`; values are Python literals,"
                              " `@configurable`, `@configurable()` or `%MACRO`.") from None
        except (tokenize.TokenError, IndentationError) as e:
            line = getattr(e, "lineno", None) or (e.args[1][0] if len(e.args) > 1 else 0)
            raise ConfigError(f"Syntax error: {e.args[0]}", source.where(line),
                              "Check for an unclosed bracket or quote, or wrong indentation.") from None
        if statement is None:
            return
        yield statement
