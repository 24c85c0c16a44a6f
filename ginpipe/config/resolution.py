"""Turns a `Composition` into final bindings: canonical selectors, `+=` merged, `$()` computed.

After this step every selector is the complete gin selector of a registered configurable, every
macro has its final value, and no GinPipe syntax is left: what remains is plain gin.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import ConfigError, Where
from .text.composition import Binding, Composition
from .text.expressions import ExpressionError, evaluate
from .registry.registration import Registry
from .registry.signature import Signature
from .text.syntax import EXPRESSION_PLACEHOLDER
from .text.values import MacroRef, Ref, map_leaves

__all__ = ["ResolvedConfig", "resolve"]


@dataclass
class ResolvedConfig:
    """Final bindings in order (later wins), with macro values and where each came from."""

    bindings: list[Binding]
    macros: dict[str, object]  # name -> final value (references to other macros followed)
    signatures: dict[str, Signature] = field(default_factory=dict)  # complete selector -> what it accepts
    warnings: list[str] = field(default_factory=list)  # what the checks accepted but the run should say

    def value(self, selector: str, arg: str, scope: str = ""):
        """The last value bound to `scope/selector.arg`, or KeyError."""
        for b in reversed(self.bindings):
            if b.key == (scope, selector, arg):
                return b.value
        raise KeyError(f"{scope}/{selector}.{arg}")

    def binding(self, selector: str, arg: str, scope: str = "") -> Binding | None:
        for b in reversed(self.bindings):
            if b.key == (scope, selector, arg):
                return b
        return None


def resolve(composition: Composition, registry: Registry, predefined: dict[str, object]) -> ResolvedConfig:
    """Register every name the config uses, merge appends and compute `$()` expressions.

    `predefined` macros (EXPERIMENT_NAME, PROJECT_NAME, OUTPUT_DIR) apply unless the config binds them.
    """
    canonical: dict[str, str] = {}
    for name, where in composition.names():
        if name not in canonical:
            canonical[name] = registry.resolve(name, where)
    canonical = {name: registry.final_name(complete) for name, complete in canonical.items()}
    bindings = [_canonical(b, canonical) for b in composition.bindings]
    bindings = _merge_appends(bindings)
    bound_macros = {b.macro_name for b in bindings if b.is_macro}
    for name, value in predefined.items():
        if name not in bound_macros:
            bindings.insert(0, Binding("", name, "", value, Where("<ginpipe>", 0)))
    macros = _MacroTable(bindings, composition.expressions)
    bindings = [replace(b, value=macros.compute(b.value)) for b in bindings]
    return ResolvedConfig(bindings, {name: macros.value(name) for name in macros.names},
                          dict(registry.signatures))


def _canonical(binding: Binding, canonical: dict[str, str]) -> Binding:
    def fix(value):
        if not isinstance(value, Ref):
            return value
        scopes, _, selector = value.name.rpartition("/")
        full = canonical.get(selector, selector)
        return Ref(f"{scopes}/{full}" if scopes else full, value.evaluate)

    selector = binding.selector if binding.is_macro else canonical.get(binding.selector, binding.selector)
    return replace(binding, selector=selector, value=map_leaves(binding.value, fix))


def _merge_appends(bindings: list[Binding]) -> list[Binding]:
    """`key += [...]` extends the list bound earlier to `key`; with none earlier it is a plain `=`."""
    last: dict[tuple, Binding] = {}
    merged = []
    for b in bindings:
        if b.append and b.key in last:
            previous = last[b.key]
            if not isinstance(b.value, (list, tuple)):
                raise ConfigError(f"`+=` needs a list on its right, got {b.value!r}.", b.where,
                                  "Write e.g. `load_dataset.reader_fn += [@read_folder]`.")
            if not isinstance(previous.value, (list, tuple)):
                raise ConfigError(
                    f"`+=` appends to a list, but `{b.selector}.{b.arg}` is {previous.value!r}"
                    f" ({previous.where.file}, line {previous.where.line}).", b.where,
                    "Bind a list first (`x = [...]`) or use `=` to replace the value.")
            b = replace(b, value=[*previous.value, *b.value])
        last[b.key] = b
        merged.append(b)
    return merged


class _MacroTable:
    """Final macro values, following `%OTHER` references and computing `$()` on demand."""

    def __init__(self, bindings: list[Binding], expressions: dict[str, tuple[str, Where]]):
        self._bindings = {b.macro_name: b for b in bindings if b.is_macro}
        self._expressions = expressions
        self._values: dict[str, object] = {}
        self._computing: set[str] = set()
        self.names = list(self._bindings)

    def value(self, name: str):
        if name in self._values:
            return self._values[name]
        binding = self._bindings[name]
        if name in self._computing:
            raise ConfigError(f"Macro %{name} refers to itself.", binding.where)
        self._computing.add(name)
        value = self.compute(binding.value)
        while isinstance(value, MacroRef) and value.name in self._bindings:
            value = self.value(value.name)
        self._computing.discard(name)
        self._values[name] = value
        return value

    def compute(self, value):
        """Replace `$()` placeholders inside `value` by their numbers."""
        return map_leaves(value, self._number)

    def _number(self, leaf):
        if not (isinstance(leaf, str) and EXPRESSION_PLACEHOLDER.match(leaf)):
            return leaf
        expression, where = self._expressions[leaf]
        try:
            return evaluate(expression, _Numbers(self))
        except ExpressionError as e:
            raise ConfigError(str(e), where) from None


class _Numbers:
    """A read-only view of macro values for the expression evaluator."""

    def __init__(self, table: _MacroTable):
        self._table = table

    def __contains__(self, name):
        return name in self._table.names

    def __getitem__(self, name):
        return self._table.value(name)

