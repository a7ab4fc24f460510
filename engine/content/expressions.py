"""A small, safe expression language for conditions and effects (never Python ``eval``).

Grammar, lowest precedence first::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("=="|"!="|"<"|"<="|">"|">=") sum)?
    sum        := product (("+"|"-") product)*
    product    := unary (("*"|"/"|"%") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" args ")" | "(" expr ")"

Parsing, type checking and evaluation are separate pure functions over frozen dataclasses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from engine.content.diagnostics import did_you_mean

__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "STRING",
    "Binary",
    "Call",
    "CheckResult",
    "EvalContext",
    "Expr",
    "ExprProblem",
    "Literal",
    "Name",
    "Unary",
    "ValueType",
    "assignable",
    "check_expression",
    "evaluate",
    "expression_literals",
    "expression_names",
    "literal_type",
    "parse_expression",
    "read_names",
]

Value = bool | int | float | str


@dataclass(frozen=True)
class ValueType:
    kind: str  # bool, int, float, string, enum
    enum_values: tuple[str, ...] = ()
    enum_name: str = ""

    def describe(self) -> str:
        if self.kind == "enum":
            return f"enum {self.enum_name}"
        return self.kind

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")


BOOL = ValueType("bool")
INT = ValueType("int")
FLOAT = ValueType("float")
STRING = ValueType("string")


@dataclass(frozen=True)
class Literal:
    value: Value
    start: int
    end: int


@dataclass(frozen=True)
class Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Expr
    start: int
    end: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr
    start: int
    end: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    start: int
    end: int


Expr = Literal | Name | Unary | Binary | Call


@dataclass(frozen=True)
class ExprProblem:
    """An author mistake inside an expression, with character offsets into its text."""

    code: str
    message: str
    start: int
    end: int
    helps: tuple[str, ...] = ()


class _ParseError(Exception):
    def __init__(self, problem: ExprProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+\.\d*|\.\d+|\d+)
  | (?P<string>'[^'\\]*'|"[^"\\]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>()!,=])
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "true", "false"}
_MISTAKES = {
    "&&": "write 'and' instead of '&&'",
    "||": "write 'or' instead of '||'",
    "!": "write 'not' instead of '!'",
    "=": "write '==' to compare; use 'set:' to change a variable",
}
MAX_EXPRESSION_LENGTH = 500
MAX_NESTING = 32
SCENE_FUNCTIONS = {"visited", "visit_count"}
NUMBER_FUNCTIONS = {"min": 2, "max": 2, "abs": 1}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, op, end
    text: str
    start: int
    end: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            if char in "'\"":
                raise _ParseError(
                    ExprProblem(
                        "E025",
                        "this quoted text is never closed",
                        position,
                        len(text),
                        ("end the text with the same quote mark it starts with",),
                    )
                )
            raise _ParseError(
                ExprProblem("E025", f"unexpected character {char!r}", position, position + 1)
            )
        kind = match.lastgroup or ""
        if kind != "space":
            token_text = match.group()
            if kind == "op" and token_text in _MISTAKES:
                raise _ParseError(
                    ExprProblem(
                        "E025",
                        f"'{token_text}' is not an operator here",
                        match.start(),
                        match.end(),
                        (_MISTAKES[token_text],),
                    )
                )
            if kind == "name" and token_text in _KEYWORDS:
                kind = "keyword"
            tokens.append(_Token(kind, token_text, match.start(), match.end()))
        position = match.end()
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.current
        return token.kind in ("op", "keyword") and token.text in texts

    def fail(self, message: str, token: _Token | None = None) -> _ParseError:
        token = token or self.current
        end = max(token.end, token.start + 1)
        return _ParseError(ExprProblem("E025", message, token.start, end))

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise self.fail("empty expression")
        expr = self.parse_or()
        if self.current.kind != "end":
            raise self.fail(f"unexpected '{self.current.text}' after a complete expression")
        return expr

    def parse_or(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(f"expression is nested more than {MAX_NESTING} levels deep")
        left = self.parse_and()
        while self.at("or"):
            self.take()
            right = self.parse_and()
            left = Binary("or", left, right, left.start, right.end)
        self.depth -= 1
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while self.at("and"):
            self.take()
            right = self.parse_not()
            left = Binary("and", left, right, left.start, right.end)
        return left

    def parse_not(self) -> Expr:
        if self.at("not"):
            token = self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.fail(f"expression is nested more than {MAX_NESTING} levels deep", token)
            operand = self.parse_not()
            self.depth -= 1
            return Unary("not", operand, token.start, operand.end)
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_sum()
        if self.at("==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
            right = self.parse_sum()
            left = Binary(op, left, right, left.start, right.end)
            if self.at("==", "!=", "<", "<=", ">", ">="):
                raise self.fail("comparisons cannot be chained; join them with 'and'")
        return left

    def parse_sum(self) -> Expr:
        left = self.parse_product()
        while self.at("+", "-"):
            op = self.take().text
            right = self.parse_product()
            left = Binary(op, left, right, left.start, right.end)
        return left

    def parse_product(self) -> Expr:
        left = self.parse_unary()
        while self.at("*", "/", "%"):
            op = self.take().text
            right = self.parse_unary()
            left = Binary(op, left, right, left.start, right.end)
        return left

    def parse_unary(self) -> Expr:
        if self.at("-"):
            token = self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.fail(f"expression is nested more than {MAX_NESTING} levels deep", token)
            operand = self.parse_unary()
            self.depth -= 1
            return Unary("-", operand, token.start, operand.end)
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.take()
            value: Value = float(token.text) if "." in token.text else int(token.text)
            return Literal(value, token.start, token.end)
        if token.kind == "string":
            self.take()
            return Literal(token.text[1:-1], token.start, token.end)
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.take()
            return Literal(token.text == "true", token.start, token.end)
        if token.kind == "name":
            self.take()
            if self.at("("):
                return self.parse_call(token)
            return Name(token.text, token.start, token.end)
        if self.at("("):
            self.take()
            inner = self.parse_or()
            if not self.at(")"):
                raise self.fail("expected ')'")
            self.take()
            return inner
        if token.kind == "end":
            raise self.fail("expression ends too early")
        raise self.fail(f"unexpected '{token.text}'")

    def parse_call(self, name: _Token) -> Expr:
        self.take()  # "("
        args: list[Expr] = []
        if not self.at(")"):
            args.append(self.parse_or())
            while self.at(","):
                self.take()
                args.append(self.parse_or())
        if not self.at(")"):
            raise self.fail("expected ')' or ',' in the function call")
        close = self.take()
        return Call(name.text, tuple(args), name.start, close.end)


@lru_cache(maxsize=8192)
def parse_expression(text: str) -> Expr | ExprProblem:
    """Parse ``text``; a syntax mistake comes back as an :class:`ExprProblem`."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        return ExprProblem(
            "E025", f"expression is longer than {MAX_EXPRESSION_LENGTH} characters", 0, 1
        )
    try:
        return _Parser(text).parse()
    except _ParseError as error:
        return error.problem


@dataclass
class CheckResult:
    type: ValueType | None
    problems: list[ExprProblem] = field(default_factory=list)


class _Checker:
    def __init__(self, variables: Mapping[str, ValueType], scenes: Collection[str]) -> None:
        self.variables = variables
        self.scenes = scenes
        self.problems: list[ExprProblem] = []

    def problem(self, code: str, message: str, node: Expr, *helps: str) -> None:
        self.problems.append(ExprProblem(code, message, node.start, node.end, helps))

    def check(self, node: Expr) -> ValueType | None:
        if isinstance(node, Literal):
            return literal_type(node.value)
        if isinstance(node, Name):
            if node.name in self.variables:
                return self.variables[node.name]
            self.problem(
                "E024",
                f"unknown variable '{node.name}'",
                node,
                *did_you_mean(node.name, self.variables),
                *(
                    ()
                    if self.variables
                    else ("declare it under 'variables:' with a type and a default",)
                ),
            )
            return None
        if isinstance(node, Unary):
            operand = self.check(node.operand)
            if operand is None:
                return None
            if node.op == "not":
                if operand != BOOL:
                    self.problem("E026", f"'not' needs a bool, found {operand.describe()}", node)
                return BOOL
            if not operand.numeric:
                self.problem("E026", f"'-' needs a number, found {operand.describe()}", node)
                return None
            return operand
        if isinstance(node, Call):
            return self.check_call(node)
        return self.check_binary(node)

    def check_call(self, node: Call) -> ValueType | None:
        if node.function in SCENE_FUNCTIONS:
            if len(node.args) != 1 or not isinstance(node.args[0], Name):
                self.problem("E026", f"'{node.function}' takes one scene name", node)
                return BOOL if node.function == "visited" else INT
            scene = node.args[0]
            if scene.name not in self.scenes:
                self.problem(
                    "E021",
                    f"unknown scene '{scene.name}'",
                    scene,
                    *did_you_mean(scene.name, self.scenes),
                )
            return BOOL if node.function == "visited" else INT
        if node.function in NUMBER_FUNCTIONS:
            wanted = NUMBER_FUNCTIONS[node.function]
            if len(node.args) != wanted:
                self.problem("E026", f"'{node.function}' takes {wanted} argument(s)", node)
                return None
            types = [self.check(arg) for arg in node.args]
            if any(t is None for t in types):
                return None
            if not all(t is not None and t.numeric for t in types):
                self.problem("E026", f"'{node.function}' needs numbers", node)
                return None
            return FLOAT if any(t == FLOAT for t in types) else INT
        self.problem(
            "E025",
            f"unknown function '{node.function}'",
            node,
            "functions are visited(scene), visit_count(scene), min(a, b), max(a, b), abs(x)",
        )
        return None

    def check_binary(self, node: Binary) -> ValueType | None:
        left = self.check(node.left)
        right = self.check(node.right)
        op = node.op
        if op in ("and", "or"):
            for side, kind in ((node.left, left), (node.right, right)):
                if kind is not None and kind != BOOL:
                    self.problem("E026", f"'{op}' needs bools, found {kind.describe()}", side)
            return BOOL
        if left is None or right is None:
            return BOOL if op in ("==", "!=", "<", "<=", ">", ">=") else None
        if op in ("==", "!="):
            self.check_equality(node, left, right)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if not (left.numeric and right.numeric):
                self.problem(
                    "E026",
                    f"'{op}' compares numbers, found {left.describe()} and {right.describe()}",
                    node,
                )
            return BOOL
        if op == "+" and left == STRING and right == STRING:
            return STRING
        if not (left.numeric and right.numeric):
            self.problem(
                "E026",
                f"'{op}' needs numbers, found {left.describe()} and {right.describe()}",
                node,
            )
            return None
        if op == "/":
            return FLOAT
        return INT if left == INT and right == INT else FLOAT

    def check_equality(self, node: Binary, left: ValueType, right: ValueType) -> None:
        if left.numeric and right.numeric:
            return
        for enum_side, other_side, other in ((left, node.right, right), (right, node.left, left)):
            if enum_side.kind == "enum":
                if other == enum_side:
                    return
                if other == STRING and isinstance(other_side, Literal):
                    values_known = bool(enum_side.enum_values)
                    if values_known and other_side.value not in enum_side.enum_values:
                        values = ", ".join(enum_side.enum_values)
                        self.problem(
                            "E026",
                            f"'{other_side.value}' is not a value of {enum_side.describe()}",
                            other_side,
                            *did_you_mean(str(other_side.value), enum_side.enum_values),
                            f"its values are: {values}",
                        )
                    return
        if left != right:
            self.problem("E026", f"cannot compare {left.describe()} with {right.describe()}", node)


def literal_type(value: Value) -> ValueType:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    return STRING


def check_expression(
    expr: Expr, variables: Mapping[str, ValueType], scenes: Collection[str]
) -> CheckResult:
    """Type-check ``expr``; unknown names and type mistakes come back as problems."""
    checker = _Checker(variables, scenes)
    result_type = checker.check(expr)
    return CheckResult(result_type, checker.problems)


def assignable(target: ValueType, value: ValueType, expr: Expr) -> bool:
    """Whether a value of type ``value`` (from ``expr``) may be stored in ``target``."""
    if target == value:
        return True
    if target == FLOAT and value == INT:
        return True
    return (
        target.kind == "enum"
        and value == STRING
        and isinstance(expr, Literal)
        and expr.value in target.enum_values
    )


def expression_literals(expr: Expr) -> Iterator[Literal]:
    """Every literal in an expression, left to right."""
    if isinstance(expr, Literal):
        yield expr
    elif isinstance(expr, Unary):
        yield from expression_literals(expr.operand)
    elif isinstance(expr, Binary):
        yield from expression_literals(expr.left)
        yield from expression_literals(expr.right)
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from expression_literals(arg)


def expression_names(expr: Expr) -> Iterator[tuple[bool, str]]:
    """(is_scene, name) pairs: variables read, and scenes asked about by visited()/visit_count()."""
    if isinstance(expr, Name):
        yield (False, expr.name)
    elif isinstance(expr, Unary):
        yield from expression_names(expr.operand)
    elif isinstance(expr, Binary):
        yield from expression_names(expr.left)
        yield from expression_names(expr.right)
    elif isinstance(expr, Call):
        if expr.function in SCENE_FUNCTIONS:
            if expr.args and isinstance(expr.args[0], Name):
                yield (True, expr.args[0].name)
        else:
            for arg in expr.args:
                yield from expression_names(arg)


def read_names(expr: Expr) -> set[str]:
    """Variable names an expression reads (scene names in visited() are not variables)."""
    if isinstance(expr, Name):
        return {expr.name}
    if isinstance(expr, Unary):
        return read_names(expr.operand)
    if isinstance(expr, Binary):
        return read_names(expr.left) | read_names(expr.right)
    if isinstance(expr, Call) and expr.function not in SCENE_FUNCTIONS:
        names: set[str] = set()
        for arg in expr.args:
            names |= read_names(arg)
        return names
    return set()


@dataclass(frozen=True)
class EvalContext:
    variable: Callable[[str], Value]
    visit_count: Callable[[str], int]


def evaluate(expr: Expr, context: EvalContext) -> Value:
    """Evaluate a type-checked expression. Division by zero gives 0 (a child never sees a crash)."""
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Name):
        return context.variable(expr.name)
    if isinstance(expr, Unary):
        operand = evaluate(expr.operand, context)
        if expr.op == "not":
            return not operand
        return -_number(operand)
    if isinstance(expr, Call):
        if expr.function in SCENE_FUNCTIONS:
            arg = expr.args[0]
            count = context.visit_count(arg.name if isinstance(arg, Name) else "")
            return count > 0 if expr.function == "visited" else count
        values = [_number(evaluate(arg, context)) for arg in expr.args]
        if expr.function == "min":
            return min(values)
        if expr.function == "max":
            return max(values)
        return abs(values[0])
    op = expr.op
    if op == "and":
        return bool(evaluate(expr.left, context)) and bool(evaluate(expr.right, context))
    if op == "or":
        return bool(evaluate(expr.left, context)) or bool(evaluate(expr.right, context))
    left = evaluate(expr.left, context)
    right = evaluate(expr.right, context)
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    a, b = _number(left), _number(right)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return float(a) / float(b) if b != 0 else 0.0
    if op == "%":
        return a % b if b != 0 else 0
    raise ValueError(f"unknown operator {op}")  # unreachable for parsed expressions


def _number(value: Value) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")  # type-checked away at compile time
    return value
