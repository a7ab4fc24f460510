"""compile(): validated narrative files -> an immutable Program, or diagnostics.

Author mistakes never raise: they are collected (all of them, sorted) in the result.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.collector import collector_paused
from engine.content import analysis
from engine.content.assets import AssetCatalog
from engine.content.diagnostics import Diagnostic, Severity, Span, did_you_mean, sort_diagnostics
from engine.content.expressions import (
    BOOL,
    FLOAT,
    INT,
    STRING,
    Expr,
    ExprProblem,
    Literal,
    ValueType,
    assignable,
    check_expression,
    literal_type,
    parse_expression,
    read_names,
)
from engine.content.loader import LoadedFile, LoadResult, load_narrative, load_narrative_text
from engine.content.program import (
    CharacterSpec,
    CompiledScene,
    Condition,
    EndingSpec,
    EnvironmentSpec,
    Program,
    VariableSpec,
)
from engine.content.scene_compiler import SceneCompiler
from engine.content.yamlsource import YamlNode

__all__ = ["CompileResult", "compile_narrative", "compile_text"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPES = {"bool": BOOL, "int": INT, "float": FLOAT, "string": STRING}


@dataclass(frozen=True)
class CompileResult:
    program: Program | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...] = ()
    # Built despite errors, for authoring tools that draw a broken story (never to be played).
    draft: Program | None = None

    @property
    def ok(self) -> bool:
        return self.program is not None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)


def compile_narrative(path: Path | str, display: str | None = None) -> CompileResult:
    """Compile the narrative at ``path`` together with its includes.

    Sounds, props and audio it names are checked against the nearest ``assets/`` folder above
    it (none found: not checked).
    """
    path = Path(path)
    with collector_paused():
        loaded = load_narrative(path, display if display is not None else str(path))
        return _compile(loaded, AssetCatalog.near(path))


def compile_text(text: str, display: str = "<text>") -> CompileResult:
    """Compile a narrative held in memory (no includes)."""
    with collector_paused():
        return _compile(load_narrative_text(text, display))


@dataclass
class NarrativeContext:
    """Everything the scene compiler needs to know about the whole narrative."""

    variables: dict[str, ValueType] = field(default_factory=dict)
    scenes: dict[str, Span] = field(default_factory=dict)
    characters: dict[str, Span] = field(default_factory=dict)
    endings: dict[str, Span] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    variables_read: set[str] = field(default_factory=set)
    speakers_used: set[str] = field(default_factory=set)
    endings_used: set[str] = field(default_factory=set)
    line_ids: dict[str, tuple[Span, bool]] = field(default_factory=dict)  # span, generated
    variable_spans: dict[str, Span] = field(default_factory=dict)
    assets: AssetCatalog | None = None  # None: asset files are not checked

    def report(self, code: str, message: str, span: Span, **extra: Any) -> None:
        self.diagnostics.append(Diagnostic.at(code, message, span, **extra))

    def expression(
        self, value: Any, node: YamlNode, expected: ValueType | None
    ) -> Condition | None:
        """Parse and type-check an expression written in ``node``; report problems there."""
        if isinstance(value, float) and not math.isfinite(value):
            self.report("E013", f"'{node.text}' is not a finite number", node.span)
            return None
        if isinstance(value, (bool, int, float)):
            expr: Expr | ExprProblem = Literal(value, 0, len(str(value)))
            text = _literal_text(value)
        else:
            text = str(value)
            expr = parse_expression(text)
        if isinstance(expr, ExprProblem):
            self._expr_problem(expr, node, expected)
            return None
        checked = check_expression(expr, self.variables, self.scenes)
        for problem in checked.problems:
            self._expr_problem(problem, node, expected)
        self.variables_read |= read_names(expr)
        if checked.problems or checked.type is None:
            return None
        if expected is not None and not assignable(expected, checked.type, expr):
            span = (
                node.value_offset_span(expr.start, expr.end)
                if node.quoted or isinstance(node.value, str)
                else node.span
            )
            wanted = "true or false" if expected == BOOL else expected.describe()
            helps = []
            if expected.kind == "enum":
                helps.append(f"its values are: {', '.join(expected.enum_values)}")
            self.report(
                "E026",
                f"expected {wanted}, but this is {checked.type.describe()}",
                span,
                helps=helps,
            )
            return None
        return Condition(text, expr)

    def _expr_problem(
        self, problem: ExprProblem, node: YamlNode, expected: ValueType | None
    ) -> None:
        helps = list(problem.helps)
        if (
            expected is not None
            and expected.kind in ("string", "enum")
            and problem.code
            in (
                "E024",
                "E025",
            )
        ):
            helps.append(f"to set text, quote it inside the quotes: \"'{node.value}'\"")
        span = node.value_offset_span(problem.start, problem.end)
        self.report(problem.code, problem.message, span, helps=helps)


def _literal_text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _compile(loaded: LoadResult, assets: AssetCatalog | None = None) -> CompileResult:
    context = NarrativeContext(diagnostics=list(loaded.diagnostics), assets=assets)
    files = loaded.files
    if not files:
        return CompileResult(None, tuple(sort_diagnostics(context.diagnostics)), loaded.paths)
    main = files[0]
    _collect_names(files, context)
    variables = _variables(files, context)
    characters = _characters(files)
    endings = _endings(files)
    scenes: dict[str, CompiledScene] = {}
    choice_spans: dict[tuple[str, int], Span] = {}
    step_spans: dict[tuple[str, int], Span] = {}
    for loaded_file in files:
        scenes_node = loaded_file.root.items.get("scenes")
        for scene_id, scene in loaded_file.model.scenes.items():
            if (
                scenes_node is None
                or context.scenes.get(scene_id) != scenes_node.keys[scene_id].span
            ):
                continue  # a duplicate definition, already reported
            scene_node = scenes_node.items[scene_id]
            compiler = SceneCompiler(scene_id, context)
            ops = compiler.compile_scene(scene, scene_node)
            key = scenes_node.keys[scene_id]
            environment = None
            if scene.environment is not None:
                environment = EnvironmentSpec(**scene.environment.model_dump())
            scenes[scene_id] = CompiledScene(
                scene_id, ops, environment, tuple(scene.tags), loaded_file.display, key.line
            )
            for pc, span in compiler.choice_spans.items():
                choice_spans[(scene_id, pc)] = span
            for pc, span in compiler.step_spans.items():
                step_spans[(scene_id, pc)] = span
    start = _start(main, context)
    if start is not None and scenes:
        analysis.analyse(
            start=start,
            scenes=scenes,
            variables=variables,
            scene_spans=context.scenes,
            choice_spans=choice_spans,
            report=context.report,
        )
    _unused(context)
    diagnostics = sort_diagnostics(_without_cascades(context.diagnostics))
    if start is None:
        return CompileResult(None, tuple(diagnostics), loaded.paths)
    model = main.model
    program = Program(
        id=model.id or "",
        title=model.title or "",
        start=start,
        scenes=MappingProxyType(scenes),
        variables=MappingProxyType(variables),
        characters=MappingProxyType(characters),
        endings=MappingProxyType(endings),
        seed=model.seed or 0,
        description=model.description,
        age_range=(model.age_range[0], model.age_range[1]) if model.age_range else None,
        minutes=model.minutes,
        tags=tuple(model.tags),
        files=loaded.paths,
    )
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return CompileResult(None, tuple(diagnostics), loaded.paths, draft=program)
    program = replace(program, fingerprint=_fingerprint(files))
    return CompileResult(program, tuple(diagnostics), loaded.paths)


def _fingerprint(files: tuple[LoadedFile, ...]) -> str:
    """Identifies the exact sources a program came from (saves refuse other versions)."""
    digest = hashlib.sha256()
    for loaded_file in files:
        digest.update(loaded_file.root.source.text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _collect_names(files: tuple[LoadedFile, ...], context: NarrativeContext) -> None:
    """Register every defined name once; report duplicates and malformed names."""
    tables = (
        ("scenes", "scene", context.scenes),
        ("variables", "variable", context.variable_spans),
        ("characters", "character", context.characters),
        ("endings", "ending", context.endings),
    )
    for section, noun, table in tables:
        for loaded_file in files:
            node = loaded_file.root.items.get(section)
            if node is None or node.kind != "mapping":
                continue
            for name, key in node.keys.items():
                if not _IDENTIFIER.match(name):
                    context.report(
                        "E013",
                        f"{noun} name '{name}' must be letters, digits and '_'",
                        key.span,
                        helps=["names start with a letter and have no spaces or dashes"],
                    )
                if name in table:
                    context.report(
                        "E020",
                        f"{noun} '{name}' is defined twice",
                        key.span,
                        notes=[_first_defined(table[name])],
                    )
                    continue
                table[name] = key.span


def _first_defined(previous: Span) -> str:
    return f"first defined at {previous.source.path}:{previous.line}:{previous.column}"


def _variables(files: tuple[LoadedFile, ...], context: NarrativeContext) -> dict[str, VariableSpec]:
    """Declared variables. A declaration with a mistake still registers its type, so its uses
    are checked instead of each being reported as an unknown variable."""
    specs: dict[str, VariableSpec] = {}
    context.variables = {}
    for loaded_file in files:
        node = loaded_file.root.items.get("variables")
        for name, variable in loaded_file.model.variables.items():
            if node is None or name in context.variables:
                continue
            var_node = node.items[name]
            value_type = _variable_type(name, variable.type, variable.values, var_node, context)
            context.variables[name] = value_type
            default = variable.default
            default_node = var_node.items["default"]
            if value_type.kind == "enum" and not value_type.enum_values:
                continue  # already reported: an enum needs its values first
            if not assignable(value_type, literal_type(default), Literal(default, 0, 0)):
                helps = []
                if value_type.kind == "enum" and value_type.enum_values:
                    helps = did_you_mean(str(default), value_type.enum_values) or [
                        f"its values are: {', '.join(value_type.enum_values)}"
                    ]
                context.report(
                    "E012",
                    f"default of '{name}' must be {value_type.describe()}, "
                    f"found '{default_node.text}'",
                    default_node.span,
                    helps=helps,
                )
                continue
            if isinstance(default, float) and not math.isfinite(default):
                context.report(
                    "E013",
                    f"default of '{name}' must be a finite number, found '{default_node.text}'",
                    default_node.span,
                )
                continue
            if value_type == FLOAT:
                default = float(default)
            specs[name] = VariableSpec(name, value_type, default)
    return specs


def _variable_type(
    name: str,
    declared: str,
    values: list[str] | None,
    node: YamlNode,
    context: NarrativeContext,
) -> ValueType:
    if declared == "enum":
        if not values:
            context.report(
                "E011",
                f"enum variable '{name}' needs 'values'",
                node.keys.get("type", node).span,
                helps=["list its values, for example: values: [calm, worried]"],
            )
        return ValueType("enum", tuple(values or ()), name)
    if values is not None:
        context.report(
            "E010",
            f"'values' only belongs to enum variables, and '{name}' is {declared}",
            node.keys["values"].span,
        )
    return _TYPES[declared]


def _characters(files: tuple[LoadedFile, ...]) -> dict[str, CharacterSpec]:
    out: dict[str, CharacterSpec] = {}
    for loaded_file in files:
        for name, character in loaded_file.model.characters.items():
            out.setdefault(
                name,
                CharacterSpec(
                    name,
                    character.name,
                    character.color,
                    character.role,
                    character.voice,
                    tuple(character.tags),
                ),
            )
    return out


def _endings(files: tuple[LoadedFile, ...]) -> dict[str, EndingSpec]:
    out: dict[str, EndingSpec] = {}
    for loaded_file in files:
        for name, ending in loaded_file.model.endings.items():
            out.setdefault(
                name, EndingSpec(name, ending.title, ending.description, tuple(ending.tags))
            )
    return out


def _start(main: LoadedFile, context: NarrativeContext) -> str | None:
    start = main.model.start
    if start is None or main.model.part:
        return None
    if start not in context.scenes:
        node = main.root.items["start"]
        context.report(
            "E021",
            f"start scene '{start}' does not exist",
            node.span,
            helps=did_you_mean(start, context.scenes),
        )
        return None
    return start


_CASCADE_PRONE = frozenset({"W050", "W051", "W053"})


def _without_cascades(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Drop 'never used' warnings while errors remain: a misspelt jump makes its real target
    look unreachable, a broken expression makes its variables look unread. They come back,
    where true, once the errors are fixed."""
    if not any(d.severity is Severity.ERROR for d in diagnostics):
        return diagnostics
    return [d for d in diagnostics if d.code not in _CASCADE_PRONE]


def _unused(context: NarrativeContext) -> None:
    for name, span in context.variable_spans.items():
        if name not in context.variables_read:
            context.report(
                "W051",
                f"variable '{name}' is never read",
                span,
                helps=["use it in a condition or a line, or remove it"],
            )
    for name, span in context.characters.items():
        if name not in context.speakers_used:
            context.report("W053", f"character '{name}' never speaks", span)
    for name, span in context.endings.items():
        if name not in context.endings_used:
            context.report("W053", f"ending '{name}' is never reached by an 'end'", span)
