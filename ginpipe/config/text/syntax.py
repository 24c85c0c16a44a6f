"""GinPipe's additions to gin syntax, turned into plain gin text with a line map.

Handled here, before gin's own parser sees the text:

* `!load_template:` blocks paste another file (relative to the current one) with `{name}` filled in;
* `$key = value` lines at top level put a Python literal into the initial state (`$key += [...]`
  appends to the list an earlier line gave `$key`, also over several lines);
* `$(expression)` becomes a placeholder string, computed later once every macro is known;
* `key += value` becomes `key = value`, and its line is remembered as an append;
* `!sweep:` blocks (indented `name.param = [values]` lines) are kept aside for `ginpipe.sweeps.sweep_plan`;
* `!search:` blocks (indented `name.param = distribution(...)` lines) for `ginpipe.search.space`.

Every output line keeps the file and line it came from, so errors name the user's own file and line.
"""
from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ConfigError, Where
from .file_text import read_config_text

__all__ = ["ExpandedSource", "expand", "EXPRESSION_PLACEHOLDER"]

EXPRESSION_PLACEHOLDER = re.compile(r"^__ginpipe_expr_(\d+)__$")
_STATE_LINE = re.compile(r"^\$([A-Za-z_]\w*)\s*(\+?=)(.*)$")
_APPEND_LINE = re.compile(r"^(\s*)([A-Za-z_][\w./]*)\s*\+=")
_TEMPLATE_START = "!load_template:"
_SWEEP_START = "!sweep:"
_SEARCH_START = "!search:"
_placeholder_ids = itertools.count()


@dataclass
class ExpandedSource:
    """Plain gin text plus what the GinPipe syntax said around it."""

    text: str
    origins: list[Where]  # origins[i] is where output line i + 1 came from
    appends: set[int] = field(default_factory=set)  # output line numbers of `+=` statements
    expressions: dict[str, tuple[str, Where]] = field(default_factory=dict)  # placeholder -> expr
    initial_state: list[tuple[str, object, Where]] = field(default_factory=list)
    state_appends: set[int] = field(default_factory=set)  # indices in initial_state of `$key +=` lines
    sweeps: list[tuple[str, str, Where]] = field(default_factory=list)  # (binding, values text, where)
    searches: list[tuple[str, str, Where]] = field(default_factory=list)  # (binding, distribution text, where)

    def where(self, line: int) -> Where:
        """The user's file and line behind output line `line` (1-based)."""
        if 1 <= line <= len(self.origins):
            return self.origins[line - 1]
        return self.origins[-1] if self.origins else Where("<empty>", 0)


def expand(text: str, filename: str, base_dir: Path | None = None) -> ExpandedSource:
    """Expand GinPipe syntax in `text`, read from `filename` (templates resolve from `base_dir`)."""
    out = ExpandedSource(text="", origins=[])
    lines: list[str] = []
    _expand_into(text, filename, base_dir or Path(filename).parent, out, lines, depth=0)
    out.text = "\n".join(lines) + "\n"
    return out


def _expand_into(text, filename, base_dir, out, lines, depth):
    raw = text.splitlines()
    i = 0
    while i < len(raw):
        line, where = raw[i], Where(filename, i + 1, raw[i])
        if line.strip() == _TEMPLATE_START:
            block, i = _read_indented_block(raw, i + 1, filename)
            _paste_template(block, where, base_dir, out, lines, depth)
            continue
        if line.strip() == _SWEEP_START:
            block, i = _read_indented_block(raw, i + 1, filename, _SWEEP_START, "`name.param = [values]`",
                                            "`Resnet.n_layers = [8, 14, 20]`")
            out.sweeps.extend((name, value, at) for name, (value, at) in block.items())
            continue
        if line.strip() == _SEARCH_START:
            block, i = _read_indented_block(raw, i + 1, filename, _SEARCH_START, "`name.param = distribution(...)`",
                                            "`Resnet.dropout = uniform(0.0, 0.5)`")
            out.searches.extend((name, value, at) for name, (value, at) in block.items())
            continue
        state_match = _STATE_LINE.match(line)
        if state_match and not line.startswith("$("):
            value_text, i = _continued(raw, i, state_match[3])
            if state_match[2] == "+=":
                out.state_appends.add(len(out.initial_state))
            out.initial_state.append((state_match[1], _literal(value_text.strip()), where))
            for _ in range(value_text.count("\n") + 1):  # keeps the line numbers of everything below
                lines.append("")
                out.origins.append(where)
            i += 1
            continue
        line = _replace_expressions(line, where, out)
        append = _APPEND_LINE.match(line)
        if append:
            line = _APPEND_LINE.sub(lambda m: f"{m[1]}{m[2]} =", line, count=1)
            out.appends.add(len(lines) + 1)
        lines.append(line)
        out.origins.append(where)
        i += 1


def _continued(raw: list[str], i: int, text: str) -> tuple[str, int]:
    """`text` (a `$key` value begun on line i) with the lines that close its brackets; and its last line."""
    while _open_brackets(text) > 0 and i + 1 < len(raw):
        i += 1
        text += "\n" + raw[i]
    return text, i


def _open_brackets(text: str) -> int:
    depth, quote = 0, None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def _read_indented_block(raw, start, filename, header=_TEMPLATE_START, expected="`name = 'value'`",
                         example="`template = 'models/block.gin'`"):
    """Collect `name = value` lines indented under `!load_template:` (or `!sweep:`)."""
    block: dict[str, tuple[str, Where]] = {}
    i = start
    while i < len(raw) and (raw[i][:1] in (" ", "\t") or not raw[i].strip()):
        stripped = raw[i].strip()
        if stripped and not stripped.startswith("#"):
            where = Where(filename, i + 1, raw[i])
            if "=" not in stripped:
                raise ConfigError(f"Expected {expected} inside `{header}`.", where, f"Write e.g. {example}.")
            name, value = stripped.split("=", 1)
            block[name.strip()] = (value.strip(), where)
        i += 1
    return block, i


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _paste_template(block, where, base_dir, out, lines, depth):
    if depth > 20:
        raise ConfigError("`!load_template:` nests more than 20 deep (a template loads itself?).", where)
    if "template" not in block:
        raise ConfigError("`!load_template:` needs a `template = 'file.gin'` line.", where)
    path_text, path_where = block.pop("template")
    path = base_dir / str(_literal(path_text))
    if not path.is_file():
        raise ConfigError(f"Template file {path} does not exist.", path_where,
                          "Template paths are relative to the config file that loads them.")
    text = read_config_text(path, path_where, "Template file")
    _check_placeholders(text, path, block, where)
    for name, (value, _) in block.items():
        text = text.replace("{" + name + "}", str(_literal(value)))
    _expand_into(text, str(path), path.parent, out, lines, depth + 1)


def _check_placeholders(text: str, path: Path, given: dict, where: Where) -> None:
    """Every `{name}` of the template has a value in the `!load_template:` block."""
    for number, line in enumerate(text.splitlines(), 1):
        for name in _PLACEHOLDER.findall(line.split("#", 1)[0]):
            if name not in given:
                listed = ", ".join(sorted(given)) or "none"
                raise ConfigError(
                    f"The template uses the placeholder `{{{name}}}`, which the `!load_template:` block"
                    f" at {where.file}, line {where.line} does not give (it gives: {listed}).",
                    Where(str(path), number, line), f"Add a line `{name} = 'value'` to that block.")


def _replace_expressions(line: str, where: Where, out: ExpandedSource) -> str:
    """Swap each `$( ... )` for a placeholder string gin can parse; keep the text for later.

    A comment is left alone (GinPipe evaluated a `$()` even there, which no config can rely on).
    """
    cut = _comment_start(line)
    line, comment = line[:cut], line[cut:]
    while "$(" in line:
        start = line.index("$(")
        depth, end = 0, None
        for j in range(start + 1, len(line)):
            depth += {"(": 1, ")": -1}.get(line[j], 0)
            if depth == 0:
                end = j
                break
        if end is None:
            raise ConfigError("`$(` has no matching `)`.", where, "Close the expression: `$(%A * 2)`.")
        placeholder = f"__ginpipe_expr_{next(_placeholder_ids)}__"
        out.expressions[placeholder] = (line[start + 2:end], where)
        line = f"{line[:start]}'{placeholder}'{line[end + 1:]}"
    return line + comment


def _comment_start(line: str) -> int:
    """Index of the `#` that starts a comment (outside quotes), or the line's length."""
    quote = None
    for j, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return j
    return len(line)


def _literal(text: str):
    """A Python literal if `text` is one, else the text itself (GinPipe kept such values as strings)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
