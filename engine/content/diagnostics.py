"""Compiler-style diagnostics: data, stable codes, and their text rendering.

A diagnostic reads like a compiler message::

    narratives/demo.yaml:12:13: error[E021]: jump to unknown scene 'gatte'
      12 |       - jump: gatte
         |               ^^^^^
      help: did you mean 'gate'?
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CODES",
    "Diagnostic",
    "Severity",
    "SourceFile",
    "Span",
    "diagnostics_to_json",
    "did_you_mean",
    "render_diagnostics",
    "sort_diagnostics",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity
    title: str


def _error(title: str) -> CodeInfo:
    return CodeInfo(Severity.ERROR, title)


def _warning(title: str) -> CodeInfo:
    return CodeInfo(Severity.WARNING, title)


# Stable codes: never renumber; docs/diagnostics.md explains each one.
CODES: dict[str, CodeInfo] = {
    "E001": _error("file cannot be read"),
    "E002": _error("file is empty"),
    "E003": _error("YAML syntax error"),
    "E004": _error("file is too large"),
    "E005": _error("YAML nested too deeply"),
    "E006": _error("YAML anchors and aliases are not allowed"),
    "E007": _error("missing or unsupported format version"),
    "E008": _error("duplicate key in a mapping"),
    "E010": _error("unknown key"),
    "E011": _error("missing required key"),
    "E012": _error("wrong type"),
    "E013": _error("invalid value"),
    "E014": _error("unknown step"),
    "E020": _error("duplicate name"),
    "E021": _error("unknown scene"),
    "E022": _error("unknown speaker"),
    "E023": _error("unknown ending"),
    "E024": _error("unknown variable"),
    "E025": _error("expression syntax error"),
    "E026": _error("type error in expression"),
    "E027": _error("unknown command"),
    "E028": _error("wrong command arguments"),
    "E029": _error("template syntax error"),
    "E030": _error("template uses an unknown variable"),
    "E031": _error("template feature not allowed"),
    "E040": _error("dead end"),
    "E041": _error("cycle with no exit"),
    "E042": _error("include not found"),
    "E043": _error("include outside the narrative's folder"),
    "E044": _error("include cycle"),
    "E045": _error("choice with no options"),
    "E046": _error("misplaced fallback option"),
    "E047": _error("missing asset"),
    "E048": _error("broken asset"),
    # Garden files (engine/garden/loader.py)
    "E200": _error("not a garden file of a supported version"),
    "E201": _error("unknown species"),
    "E202": _error("outside the garden"),
    "E203": _error("too many plants"),
    "E204": _error("species mix with no plant"),
    "E205": _error("no room for plants"),
    "E206": _error("path too short"),
    "W050": _warning("unreachable scene"),
    "W051": _warning("unused variable"),
    "W052": _warning("choice can run out of options"),
    "W053": _warning("unused character or ending"),
    "W054": _warning("unreachable step"),
    # Lessons (engine.learn): E100-E149, W150-W159.
    "E100": _error("not a lesson file"),
    "E101": _error("duplicate id in a lesson"),
    "E102": _error("unknown bin"),
    "E103": _error("unknown source"),
    "E104": _error("sort item with no correct bin"),
    "E105": _error("question with no correct answer"),
    "E106": _error("step without exactly one activity"),
    "E107": _error("unknown objective"),
    "E108": _error("simulation factor missing"),
    "E109": _error("unknown simulation factor"),
    "E110": _error("range is upside down"),
    "E111": _error("single-answer question with several correct options"),
    "E112": _error("simulation goal out of reach"),
    "E113": _error("bin not offered by its sort"),
    "W150": _warning("unused source"),
    "W151": _warning("unused bin"),
    "W152": _warning("lesson has nothing to score"),
    "W153": _warning("no remediation for a missed mastery"),
    "W154": _warning("objective never assessed"),
    "W155": _warning("number without a source"),
    "W156": _warning("lesson cites no sources"),
    "W157": _warning("start_lesson names no lesson"),
}


@dataclass(frozen=True)
class SourceFile:
    """The text of one file, kept so diagnostics can quote the offending line."""

    path: str
    text: str

    def line_text(self, line: int) -> str:
        """Return 1-based ``line`` without its newline, or '' when out of range."""
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else ""


@dataclass(frozen=True)
class Span:
    """A region of a source file: 1-based line and column, end column exclusive."""

    source: SourceFile
    line: int
    column: int
    end_column: int | None = None


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str
    line: int
    column: int
    source_line: str = ""
    width: int = 1
    notes: tuple[str, ...] = ()
    helps: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @classmethod
    def at(
        cls,
        code: str,
        message: str,
        span: Span,
        *,
        notes: Iterable[str] = (),
        helps: Iterable[str] = (),
    ) -> Diagnostic:
        if code not in CODES:
            raise ValueError(f"unregistered diagnostic code {code}")
        source_line = _printable(span.source.line_text(span.line))
        width = 1
        if span.end_column is not None and span.end_column > span.column:
            width = span.end_column - span.column
        # A caret never runs past the end of the quoted line.
        width = max(1, min(width, len(source_line) - span.column + 1))
        return cls(
            code=code,
            message=message,
            path=span.source.path,
            line=span.line,
            column=span.column,
            source_line=source_line,
            width=width,
            notes=tuple(notes),
            helps=tuple(helps),
        )

    def headline(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.severity.value}[{self.code}]: {self.message}"

    def render(self) -> str:
        parts = [self.headline()]
        if self.source_line:
            gutter = str(self.line)
            pad = " " * len(gutter)
            shown, caret_at = _window(self.source_line.expandtabs(1), self.column - 1)
            width = min(self.width, max(1, len(shown) - caret_at))
            parts.append(f"  {gutter} | {shown}")
            parts.append(f"  {pad} | {' ' * caret_at}{'^' * width}")
        parts.extend(f"  note: {note}" for note in self.notes)
        parts.extend(f"  help: {help_}" for help_ in self.helps)
        return "\n".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "notes": list(self.notes),
            "help": list(self.helps),
        }


_QUOTE_WIDTH = 100
_CONTROL = {code: "\ufffd" for code in (*range(0, 9), *range(10, 32), 127)}


def _printable(line: str) -> str:
    """Control characters would garble a terminal; each becomes one visible mark."""
    return line.translate(_CONTROL)


def _window(line: str, caret: int) -> tuple[str, int]:
    """Cut a long source line to a readable window around the caret."""
    if len(line) <= _QUOTE_WIDTH:
        return line, caret
    start = max(0, min(caret - _QUOTE_WIDTH // 2, len(line) - _QUOTE_WIDTH))
    shown = line[start : start + _QUOTE_WIDTH]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + _QUOTE_WIDTH < len(line) else ""
    return prefix + shown + suffix, caret - start + len(prefix)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    unique = {
        (d.path, d.line, d.column, d.code, d.message): d for d in diagnostics
    }  # one report per distinct finding
    return sorted(unique.values(), key=lambda d: (d.path, d.line, d.column, d.code, d.message))


def render_diagnostics(diagnostics: Sequence[Diagnostic]) -> str:
    return "\n".join(d.render() for d in diagnostics)


def diagnostics_to_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2)


def did_you_mean(name: str, candidates: Iterable[str]) -> list[str]:
    """Return a ``help:`` text suggesting the closest candidate, or nothing."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return [f"did you mean '{matches[0]}'?"] if matches else []
