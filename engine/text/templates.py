"""Line templates: jinja2 in an ImmutableSandboxedEnvironment, checked before they ever run.

Author text is untrusted. At compile time a template may only use output, ``if`` blocks,
variables, constants, arithmetic, comparisons and a short list of filters; everything else
(loops, includes, attribute access, calls) is a diagnostic. At run time the sandbox and an
output cap still apply, so a template can neither execute code, read files, nor hang.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.content.diagnostics import did_you_mean
from engine.errors import TemplateRenderError

__all__ = [
    "MAX_LINE_CHARS",
    "TemplateCheck",
    "check_template",
    "is_template",
    "render_template",
]

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 1000
ALLOWED_FILTERS = frozenset(
    {"upper", "lower", "capitalize", "title", "round", "int", "abs", "default", "trim"}
)
ALLOWED_TESTS = frozenset({"even", "odd", "divisibleby", "number", "string"})
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Name,
    nodes.Const,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Neg,
    nodes.Pos,
    nodes.Concat,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
)
_FORBIDDEN_WORDS: dict[type[nodes.Node], str] = {
    nodes.For: "loops ('for') are not allowed in line text",
    nodes.Include: "templates may not include other files",
    nodes.Import: "templates may not import other files",
    nodes.FromImport: "templates may not import other files",
    nodes.Extends: "templates may not extend other files",
    nodes.Macro: "macros are not allowed in line text",
    nodes.Getattr: "attribute access ('.') is not allowed in line text",
    nodes.Getitem: "indexing ('[...]') is not allowed in line text",
    nodes.Call: "function calls are not allowed in line text",
    nodes.Pow: "'**' is not allowed in line text",
    nodes.Assign: "'set' is not allowed in line text; use a 'set:' step",
    nodes.AssignBlock: "'set' is not allowed in line text; use a 'set:' step",
}
_MARKUP = re.compile(r"\{\{|\{%|\{#")


class _GlowgroveSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with '*' bounded so ``'a' * 10**9`` cannot exhaust memory."""

    intercepted_binops = frozenset({"*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                repeats = isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                if repeats and len(seq) * max(count, 0) > MAX_LINE_CHARS:
                    raise TemplateRenderError("text repetition exceeds the line length cap")
        return super().call_binop(context, operator, left, right)


def _environment() -> _GlowgroveSandbox:
    env = _GlowgroveSandbox(
        undefined=jinja2.StrictUndefined, autoescape=False, finalize=_language_value
    )
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS}
    env.globals = {}
    return env


def _language_value(value: Any) -> Any:
    """Print values as the narrative language writes them: true/false, not True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


_ENV = _environment()


def is_template(text: str) -> bool:
    """Whether ``text`` has template markup; plain text is never parsed by jinja2."""
    return "{" in text and _MARKUP.search(text) is not None


@dataclass
class TemplateCheck:
    problems: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


_SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def check_template(text: str, variables: Mapping[str, object]) -> TemplateCheck:
    """Compile-time checks: syntax (E029), unknown names (E030), forbidden features (E031)."""
    result = TemplateCheck()
    if not is_template(text):
        return result
    names = _simple_names(text)
    if names is not None:
        return _check_names(result, names, variables)
    try:
        tree = _ENV.parse(text)
    except jinja2.TemplateSyntaxError as error:
        result.problems.append(_syntax_problem(error.message or ""))
        return result
    except RecursionError:
        result.problems.append(("E029", "template is nested too deeply", ()))
        return result
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            allowed = ", ".join(sorted(ALLOWED_FILTERS))
            result.problems.append(
                ("E031", f"filter '{node.name}' is not allowed", (f"allowed filters: {allowed}",))
            )
        elif isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
            result.problems.append(("E031", f"test '{node.name}' is not allowed", ()))
        elif not isinstance(node, _ALLOWED_NODES):
            message = _FORBIDDEN_WORDS.get(
                type(node), f"'{type(node).__name__}' is not allowed in line text"
            )
            result.problems.append(("E031", message, ()))
    if result.problems:
        return result
    return _check_names(result, set(jinja2.meta.find_undeclared_variables(tree)), variables)


def _syntax_problem(message: str) -> tuple[str, str, tuple[str, ...]]:
    """Jinja's message, made readable for authors, with a hint where one helps."""
    if "looking for the following tags" in message or "end of template" in message:
        return (
            "E029",
            "template syntax error: a '{% if %}' block is not closed",
            ("close every '{% if ... %}' with '{% endif %}'",),
        )
    helps: tuple[str, ...] = ()
    if "'}'" in message or "end of print statement" in message:
        helps = ("close a placeholder with '}}', as in '{{ nickname }}'",)
    elif "tag name" in message:
        helps = ("blocks are '{% if x %}', '{% elif y %}', '{% else %}', '{% endif %}'",)
    return ("E029", f"template syntax error: {message}", helps)


def _simple_names(text: str) -> set[str] | None:
    """Names of a template made only of ``{{ name }}`` placeholders; None for anything else.

    Most lines are like this, and jinja2's parser costs ~0.3 ms a template: skipping it keeps
    compiling thousands of scenes fast. Rendering still goes through the sandbox.
    """
    names = set(_SIMPLE_PLACEHOLDER.findall(text))
    rest = _SIMPLE_PLACEHOLDER.sub("", text)
    return None if is_template(rest) or "}}" in rest else names


def _check_names(
    result: TemplateCheck, names: set[str], variables: Mapping[str, object]
) -> TemplateCheck:
    result.names = names
    for name in sorted(names - set(variables)):
        result.problems.append(
            (
                "E030",
                f"template uses unknown variable '{name}'",
                tuple(did_you_mean(name, variables)),
            )
        )
    return result


@lru_cache(maxsize=4096)
def _compiled(text: str) -> jinja2.Template:
    return _ENV.from_string(text)


def render_template(text: str, values: Mapping[str, object]) -> str:
    """Render a checked template; errors raise :class:`TemplateRenderError`."""
    if not is_template(text):
        return text
    try:
        rendered = _compiled(text).render(dict(values))
    except TemplateRenderError:
        raise
    except jinja2.TemplateError as error:  # sandbox refusal, undefined name, syntax
        raise TemplateRenderError(str(error)) from error
    except (ArithmeticError, TypeError, ValueError, RecursionError) as error:
        raise TemplateRenderError(f"{type(error).__name__}: {error}") from error
    if len(rendered) > MAX_LINE_CHARS:
        raise TemplateRenderError(f"line text is longer than {MAX_LINE_CHARS} characters")
    return rendered
