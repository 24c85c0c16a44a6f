"""A safe evaluator for GinPipe's `$(expression)` arithmetic.

Only numbers, + - * / // % **, parentheses, unary minus, and min/max/round/int/float/abs are
allowed. The expression is parsed with `ast` and walked by hand: never `eval`, no sympy.
"""
from __future__ import annotations

import ast
import operator
import re
from typing import Callable, Protocol

__all__ = ["evaluate", "ExpressionError"]

_BINARY: dict[type, Callable] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTIONS: dict[str, Callable] = {
    "min": min, "max": max, "round": round, "int": int, "float": float, "abs": abs,
}
# Keep `2 ** 10**10` or `(9 ** 9999) ** 9999` from freezing the run: huge integers are never a
# hyper-parameter, and computing them can take hours.
_MAX_EXPONENT = 10_000
_MACRO = re.compile(r"%(?=[A-Za-z_])")
# An integer gin can still write: Python refuses to print one past 4300 digits (about 14,284 bits),
# and gin, the cache key and config.gin all print every value.
_MAX_BITS = 14_000


class ExpressionError(ValueError):
    """The expression is not plain arithmetic, or it cannot be computed."""


class Macros(Protocol):
    """Where an expression reads its macros: a dict, or the resolver's view of resolved values."""

    def __contains__(self, name: object, /) -> bool: ...

    def __getitem__(self, name: str, /) -> object: ...


def evaluate(expression: str, macros: Macros) -> int | float:
    """Compute `expression`, where `%NAME` stands for the value of macro NAME.

    Example:
        >>> evaluate("%D * 4 + 1", {"D": 8})
        33
    """
    source = _MACRO.sub("__macro__", expression)  # `%NAME` only: `7 % 3` stays a modulo
    try:
        tree = ast.parse(source.strip(), mode="eval")
        return _eval(tree.body, expression, macros)
    except SyntaxError as e:
        raise ExpressionError(f"`$({expression})` is not a valid expression: {e.msg}.") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"`$({expression[:60]}...)` is nested too deeply.") from None


def _eval(node: ast.AST, expression: str, macros: Macros):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id.startswith("__macro__"):
        name = node.id[len("__macro__"):]
        if name not in macros:
            raise ExpressionError(
                f"`$({expression})` uses macro %{name}, which is not defined."
                f" Define it first, e.g. `{name} = 4`.")
        value = macros[name]
        if type(value) not in (int, float, bool):
            raise ExpressionError(
                f"`$({expression})` uses macro %{name} = {value!r}, which is not a number.")
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, expression, macros), _eval(node.right, expression, macros)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, expression)
        return _compute(_BINARY[type(node.op)], (left, right), expression)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, expression, macros))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and not node.keywords):
        args = [_eval(a, expression, macros) for a in node.args]
        return _compute(_FUNCTIONS[node.func.id], args, expression)
    allowed = ", ".join(sorted(_FUNCTIONS))
    found = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise ExpressionError(
        f"`$({expression})`: `{found}` is not allowed. Only numbers, %MACROS, + - * / // % **,"
        f" parentheses and {allowed} may appear.")


def _check_power(base, exponent, expression: str) -> None:
    if abs(exponent) > _MAX_EXPONENT:
        raise ExpressionError(f"`$({expression})`: exponent {exponent} is too large.")
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and \
            abs(base).bit_length() * exponent > _MAX_BITS:
        raise ExpressionError(f"`$({expression})`: the result would have more than {_MAX_BITS} bits.")


def _compute(function: Callable, args, expression: str):
    """`function(*args)`, with its arithmetic errors told as the user's expression."""
    try:
        result = function(*args)
    except ZeroDivisionError:
        raise ExpressionError(f"`$({expression})` divides by zero.") from None
    except (ArithmeticError, TypeError, ValueError) as e:  # overflow, int(inf), max() of nothing
        raise ExpressionError(f"`$({expression})` cannot be computed: {e}.") from None
    if isinstance(result, int) and result.bit_length() > _MAX_BITS:  # `2**9000 * 2**9000`: no power involved
        raise ExpressionError(f"`$({expression})`: the result would have more than {_MAX_BITS} bits.")
    return result
