"""A study's search space: one `Param` per searched binding, from `--search` flags and `!search:` blocks.

Each line is `name.param = distribution(...)`:

    torch.optim.AdamW.lr = loguniform(1e-4, 1e-2)
    Resnet.dropout = uniform(0.0, 0.5)
    Resnet.n_layers = int(4, 20, step=2)          # also log=True
    fit_model.model = choice(@Resnet, @MLP)       # any gin values, references included

A `!sweep:` axis (`name.param = [values]`, or `--sweep`) is a `choice` of its values, so a sweep can
run as a study (on a grid, `--sampler grid`). A searched binding is one the configs bind, or a
parameter its configurable takes that keeps its default (`Resnet.dropout` unbound); before the first
trial the study's configuration is checked with each parameter's values at their lines
(`ginpipe.sweeps.validate`), so a typo is caught against the signature there. Every mistake is a `ConfigError` at the
user's own line. Nothing here imports optuna; `Param.suggest` receives optuna's trial.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Sequence

from ..config.text.composition import Composition, compose
from ..errors import ConfigError, Where, did_you_mean

__all__ = ["Param", "parse_space", "DISTRIBUTIONS"]

DISTRIBUTIONS = {
    "loguniform": "loguniform(low, high)",
    "uniform": "uniform(low, high)",
    "int": "int(low, high, step=1, log=False)",
    "choice": "choice(a, b, ...)",
}
_LISTED = "Distributions: " + ", ".join(DISTRIBUTIONS.values()) + "."


@dataclass(frozen=True)
class Param:
    """One searched binding and the values it may take."""

    key: str  # as written: `Resnet.n_layers`
    binding: tuple[str, str, str]  # (scope, selector, arg); arg is "" for a macro
    kind: str  # "float", "int" or "choice"
    where: Where
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    choices: tuple[str, ...] = ()  # gin text of each value, for a choice: `8`, `'adam'`, `@Resnet`

    def suggest(self, trial) -> str:
        """This parameter's value in optuna's `trial`, as gin text for a `--mods` binding."""
        if self.kind == "choice":
            return trial.suggest_categorical(self.key, list(self.choices))
        if self.kind == "int":
            return repr(trial.suggest_int(self.key, int(self.low), int(self.high), step=int(self.step or 1),
                                          log=self.log))
        return repr(trial.suggest_float(self.key, self.low, self.high, step=self.step, log=self.log))

    def describe(self) -> str:
        """`Resnet.n_layers: int [4, 20] step 2`, as --dry-run lists the space."""
        if self.kind == "choice":
            return f"{self.key}: choice " + ", ".join(self.choices)
        return (f"{self.key}: {self.kind} [{self.low}, {self.high}]" + (f" step {self.step}" if self.step else "")
                + (" log" if self.log else ""))

    def grid(self) -> list:
        """Every value, for optuna's GridSampler (lists and integer ranges only)."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int" and not self.log:
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        raise ConfigError(f"`{self.key}` is a continuous range, which a grid cannot hold.", self.where,
                          "Give it a list of values (`choice(...)` or `[...]`) or an `int(...)` range, or use"
                          " another --sampler (tpe, random, cmaes).")


def parse_space(composition: Composition, searches: Sequence[str] = (), sweeps: Sequence[str] = (),
                mods: Sequence[str] = ()) -> list[Param]:
    """The parameters of `!search:`/`!sweep:` lines and `--search`/`--sweep` flags (a flag replaces a
    line of the same binding; a binding `--mods` sets is fixed, not searched).

    Example:
        >>> parse_space(compose(["configs/base.gin"]), ["Resnet.n_layers=int(4, 20, step=2)"])  # doctest: +SKIP
        [Param(key='Resnet.n_layers', kind='int', low=4, high=20, step=2, ...)]
    """
    params: dict[tuple, Param] = {}

    def add(param: Param) -> None:
        params.pop(param.binding, None)  # a later one replaces (and goes last)
        params[param.binding] = param

    for key, values, where in composition.sweeps:
        add(_parse(key, values, where, grid_line=True))
    for key, text, where in composition.searches:
        add(_parse(key, text, where))
    for flag, texts, grid in (("--sweep", sweeps, True), ("--search", searches, False)):
        for number, text in enumerate(texts, 1):
            where = Where(flag, number, text)
            if "=" not in text:
                raise ConfigError(f"{flag} {text!r} is not a binding.", where,
                                  f'Write e.g. {flag} "Resnet.n_layers=' + ("[8,14,20]" if grid else
                                                                            'int(4, 20, step=2)') + '".')
            key, value = text.split("=", 1)
            add(_parse(key, value, where, grid_line=grid))
    fixed = {b.key for b in compose([], list(mods)).bindings} if mods else set()
    found = [p for k, p in params.items() if k not in fixed]
    return found


def _parse(key: str, text: str, where: Where, grid_line: bool = False) -> Param:
    key, text = key.strip(), text.strip()
    binding = _binding_of(key, where)
    if text.startswith("["):  # a `!sweep:` axis, or a list written in `!search:`
        return Param(key, binding, "choice", where, choices=_gin_values(key, text[1:-1] if text.endswith("]")
                                                                         else text, where))
    if grid_line:
        raise ConfigError(f"A sweep axis needs a non-empty list of values: `{key} = {text}`.", where,
                          "Write e.g. `Resnet.n_layers = [8, 14, 20]`.")
    name, _, rest = text.partition("(")
    name = name.strip()
    if not rest.endswith(")") or not name.isidentifier():
        raise ConfigError(f"`{key} = {text}` is not a distribution.", where,
                          f"{_LISTED} For example `Resnet.dropout = uniform(0.0, 0.5)`.")
    if name not in DISTRIBUTIONS:
        raise ConfigError(f"Unknown distribution `{name}` for `{key}`.{did_you_mean(name, DISTRIBUTIONS)}",
                          where, _LISTED)
    arguments = rest[:-1]
    if name == "choice":
        return Param(key, binding, "choice", where, choices=_gin_values(key, arguments, where))
    low, high, options = _numbers(name, arguments, where)
    step, log = options.get("step"), bool(options.get("log", name == "loguniform"))
    shown = f"{name}({arguments})"
    if not low < high:
        raise ConfigError(f"`{shown}`: low must be below high (got low {low!r}, high {high!r}).", where,
                          f"Write e.g. `{name}({min(low, high)!r}, {max(low, high)!r})`." if low != high
                          else "Give a range, or fix the value with --mods instead of searching it.")
    if log and low <= 0:
        raise ConfigError(f"`{shown}`: a log scale needs low > 0 (got {low!r}).", where,
                          "Start the range above zero, e.g. `loguniform(1e-5, 1e-2)`, or use `uniform`.")
    if step is not None and (not step > 0 or (log and step != 1)):
        raise ConfigError(f"`{shown}`: step must be positive" + (", and 1 with log=True" if log else "")
                          + f" (got {step!r}).", where)
    if name == "int":
        if not all(float(v).is_integer() for v in (low, high, step or 1)):
            raise ConfigError(f"`{shown}`: int() takes whole numbers.", where, "Use uniform() for a float range.")
        return Param(key, binding, "int", where, int(low), int(high), int(step or 1), log)
    return Param(key, binding, "float", where, float(low), float(high), step, log)


def _numbers(name: str, arguments: str, where: Where) -> tuple[float, float, dict]:
    allowed = {"int": ("step", "log"), "uniform": ("step",), "loguniform": ()}[name]
    try:
        call = ast.parse(f"f({arguments})", mode="eval").body
        if not isinstance(call, ast.Call):  # `1) + g(2`: parses, but as no single call
            raise ValueError(arguments)
        values = [ast.literal_eval(a) for a in call.args]
        options = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise ConfigError(f"`{name}({arguments})`: its arguments are not numbers.", where,
                          f"Write {DISTRIBUTIONS[name]}.") from None
    unknown = [k for k in options if k not in allowed]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)
    if len(values) != 2 or not numeric or unknown or any(k is None for k in options):
        what = f"unknown option `{unknown[0]}`" if unknown else "expected two numbers, low and high"
        raise ConfigError(f"`{name}({arguments})`: {what}.", where, f"Write {DISTRIBUTIONS[name]}.")
    return values[0], values[1], options


def _gin_values(key: str, text: str, where: Where) -> tuple[str, ...]:
    try:
        bindings = compose([], [f"{key} = [{text}]"]).bindings
    except ConfigError as e:
        raise ConfigError(e.message, where, e.hint) from None
    value = bindings[0].value if len(bindings) == 1 else None
    values = list(value) if isinstance(value, (list, tuple)) else []
    if not values:
        raise ConfigError(f"`{key}`: a choice needs at least one value.", where,
                          "Write e.g. `fit_model.model = choice(@Resnet, @MLP)`.")
    if any(isinstance(v, str) and v.startswith("__ginpipe_expr_") for v in values):
        raise ConfigError("`$(...)` expressions cannot be searched values; write the numbers.", where)
    texts = tuple(repr(v) for v in values)
    if len(set(texts)) < len(texts):
        raise ConfigError(f"`{key}`: a value repeats in its choices.", where, "List each value once.")
    return texts


def _binding_of(key: str, where: Where) -> tuple[str, str, str]:
    try:
        bindings = compose([], [f"{key} = 0"]).bindings
    except ConfigError:
        bindings = []
    if len(bindings) != 1:
        raise ConfigError(f"`{key}` is not a parameter name.", where,
                          "Write `name.param = distribution(...)`, e.g. `Resnet.n_layers = int(4, 20)`.")
    return bindings[0].key
