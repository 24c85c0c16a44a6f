"""`ginpipe.config.text.expressions`: `$()` arithmetic, computed safely, its errors quoting the expression."""
import pytest

from ginpipe.config.text.expressions import ExpressionError, evaluate


@pytest.mark.parametrize("expression, value", [
    ("%D * 4 + 1", 33), ("7 % 3", 1), ("%D % 3", 2), ("-%D // 3", -3), ("2 ** 10", 1024),
    ("max(%D, 10) / 4", 2.5), ("round(%R, 1)", 0.1), ("int(%R * 100)", 12), ("abs(-2.5)", 2.5),
    ("  (%D)  ", 8), ("%FLAG + 1", 2),
])
def test_arithmetic_with_macros(expression, value):
    assert evaluate(expression, {"D": 8, "R": 0.125, "FLAG": True}) == value


@pytest.mark.parametrize("expression, message", [
    ("%X + 1", "`$(%X + 1)` uses macro %X, which is not defined. Define it first, e.g. `X = 4`."),
    ("%S * 2", "`$(%S * 2)` uses macro %S = 'a', which is not a number."),
    ("1 / 0", "`$(1 / 0)` divides by zero."),
    ("__import__('os')", "`$(__import__('os'))`: `__import__('os')` is not allowed. Only numbers, %MACROS,"
                         " + - * / // % **, parentheses and abs, float, int, max, min, round may appear."),
    ("'a' * 3", "`$('a' * 3)`: `'a'` is not allowed. Only numbers, %MACROS, + - * / // % **, parentheses"
                " and abs, float, int, max, min, round may appear."),
    ("max()", "`$(max())` cannot be computed: max expected at least 1 argument, got 0."),
    ("2 ** 20000", "`$(2 ** 20000)`: exponent 20000 is too large."),
    ("9 ** 9999", "`$(9 ** 9999)`: the result would have more than 14000 bits."),  # gin could not print it
    ("2 ** 9000 * 2 ** 9000", "`$(2 ** 9000 * 2 ** 9000)`: the result would have more than 14000 bits."),
    ("1 +", "`$(1 +)` is not a valid expression: invalid syntax."),
])
def test_what_cannot_be_computed_is_an_error_quoting_the_expression(expression, message):
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {"S": "a"})
    assert str(caught.value) == message


def test_a_deeply_nested_expression_is_refused_not_a_crash():
    with pytest.raises(ExpressionError, match=r"^`\$\(-----.*\.\.\.\)` is nested too deeply\.$"):
        evaluate("-" * 100_000 + "1", {})
    with pytest.raises(ExpressionError, match=r"is not a valid expression: too many nested parentheses\.$"):
        evaluate("(" * 5000 + "1" + ")" * 5000, {})
