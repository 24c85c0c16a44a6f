"""A safe evaluator for GinPipe's `$(expression)` arithmetic.

Only numbers, + - * / // % **, parentheses, unary minus, and min/max/round/int/float/abs are
allowed. The expression is parsed with `ast` and walked by hand: never `eval`, no sympy.
"""
from __future__ import annotations

import ast
import operator
from typing import Callable, Mapping

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
# Keeps `2 ** 10**10` from freezing the run: results this large are never a hyper-parameter.
_MAX_EXPONENT = 10_000


class ExpressionError(ValueError):
    """The expression is not plain arithmetic, or it cannot be computed."""


def evaluate(expression: str, macros: Mapping[str, object]) -> int | float:
    """Compute `expression`, where `%NAME` stands for the value of macro NAME.

    Example:
        >>> evaluate("%D * 4 + 1", {"D": 8})
        33
    """
    source = expression.replace("%", "__macro__")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"`$({expression})` is not a valid expression: {e.msg}.") from None
    return _eval(tree.body, expression, macros)


def _eval(node: ast.AST, expression: str, macros: Mapping[str, object]):
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
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise ExpressionError(f"`$({expression})`: exponent {right} is too large.")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ExpressionError(f"`$({expression})` divides by zero.") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, expression, macros))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS and not node.keywords):
        args = [_eval(a, expression, macros) for a in node.args]
        return _FUNCTIONS[node.func.id](*args)
    allowed = ", ".join(sorted(_FUNCTIONS))
    found = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
    raise ExpressionError(
        f"`$({expression})`: `{found}` is not allowed. Only numbers, %MACROS, + - * / // % **,"
        f" parentheses and {allowed} may appear.")
