from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.content.expressions import (
    BOOL,
    FLOAT,
    INT,
    EvalContext,
    ExprProblem,
    ValueType,
    check_expression,
    evaluate,
    parse_expression,
)

VARIABLES = {
    "courage": INT,
    "trust": FLOAT,
    "kit": BOOL,
    "plan": ValueType("enum", ("art", "science"), "plan"),
}
VALUES: dict[str, bool | int | float | str] = {
    "courage": 3,
    "trust": 0.5,
    "kit": True,
    "plan": "art",
}
CONTEXT = EvalContext(VALUES.__getitem__, lambda scene: {"lab": 2}.get(scene, 0))


def run(text: str) -> bool | int | float | str:
    expr = parse_expression(text)
    assert not isinstance(expr, ExprProblem), expr
    checked = check_expression(expr, VARIABLES, {"lab", "gate"})
    assert not checked.problems, checked.problems
    return evaluate(expr, CONTEXT)


def problem(text: str) -> ExprProblem:
    expr = parse_expression(text)
    if isinstance(expr, ExprProblem):
        return expr
    checked = check_expression(expr, VARIABLES, {"lab", "gate"})
    assert checked.problems, f"expected a problem in {text!r}"
    return checked.problems[0]


def test_precedence_and_logic() -> None:
    assert run("1 + 2 * 3") == 7
    assert run("(1 + 2) * 3") == 9
    assert run("not kit or courage > 2 and trust < 1") is True
    assert run("not (kit and courage == 3)") is False
    assert run("-courage + 1") == -2


def test_division_is_float_and_zero_safe() -> None:
    assert run("7 / 2") == 3.5
    assert run("courage / 0") == 0.0
    assert run("7 % 0") == 0
    assert run("7 % 4") == 3


def test_functions_and_visits() -> None:
    assert run("visited(lab)") is True
    assert run("visited(gate)") is False
    assert run("visit_count(lab) + 1") == 3
    assert run("min(courage, 2)") == 2
    assert run("max(trust, 1)") == 1
    assert run("abs(-2.5)") == 2.5


def test_strings_and_enums() -> None:
    assert run("plan == 'art'") is True
    assert run("'glow' + \"worm\" == 'glowworm'") is True


def test_syntax_problems_have_positions_and_help() -> None:
    found = problem("kit && courage > 1")
    assert (found.code, found.start, found.end) == ("E025", 4, 6)
    assert found.helps == ("write 'and' instead of '&&'",)
    assert problem("courage = 3").helps[0].startswith("write '=='")
    assert problem("(1 + 2").message == "expected ')'"
    assert problem("1 < 2 < 3").code == "E025"
    assert problem("").message == "empty expression"
    assert problem("1 +").message == "expression ends too early"


def test_type_problems() -> None:
    assert problem("kit and 3").code == "E026"
    assert problem("plan == 'rocket'").message == "'rocket' is not a value of enum plan"
    assert problem("courage < 'a'").code == "E026"
    assert problem("not courage").code == "E026"
    assert problem("couage > 1").helps == ("did you mean 'courage'?",)
    assert problem("visited(labb)").code == "E021"
    assert problem("launch(1)").code == "E025"


# A reference: random arithmetic trees evaluated directly in Python must equal the result of
# printing them, parsing them back and evaluating with the expression engine.
numbers = st.integers(min_value=-50, max_value=50)


@st.composite
def arithmetic(draw: st.DrawFn, depth: int = 0) -> tuple[str, int]:
    if depth > 3 or draw(st.booleans()):
        value = draw(numbers)
        return (f"({value})" if value < 0 else str(value)), value
    op = draw(st.sampled_from(["+", "-", "*"]))
    left_text, left = draw(arithmetic(depth + 1))
    right_text, right = draw(arithmetic(depth + 1))
    value = {"+": left + right, "-": left - right, "*": left * right}[op]
    return f"({left_text} {op} {right_text})", value


@given(arithmetic())
def test_parser_and_evaluator_agree_with_reference(case: tuple[str, int]) -> None:
    text, expected = case
    assert run(text) == expected


@given(st.text(max_size=40))
def test_parser_never_raises(text: str) -> None:
    result = parse_expression(text)
    if not isinstance(result, ExprProblem):
        check_expression(result, VARIABLES, {"lab"})
