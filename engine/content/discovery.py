"""Find and check every narrative under the paths a user names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.content.compiler import CompileResult, compile_narrative
from engine.content.diagnostics import Diagnostic, SourceFile, Span, sort_diagnostics
from engine.content.yamlsource import load_yaml_file

__all__ = [
    "CheckReport",
    "check_paths",
    "find_content_files",
    "is_lesson_file",
    "is_part_file",
]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class CheckReport:
    files: tuple[str, ...]
    results: tuple[CompileResult, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def error_count(self) -> int:
        return sum(d.severity.value == "error" for d in self.diagnostics)

    @property
    def warning_count(self) -> int:
        return sum(d.severity.value == "warning" for d in self.diagnostics)


def find_content_files(paths: list[str]) -> tuple[list[str], list[Diagnostic]]:
    """Expand folders into their YAML files (sorted); missing paths become diagnostics."""
    files: list[str] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix in _SUFFIXES and child.is_file() and ".venv" not in child.parts:
                    files.append(str(child))
        elif path.exists():
            files.append(raw)
        else:
            problems.append(
                Diagnostic.at("E001", "file not found", Span(SourceFile(raw, ""), 1, 1))
            )
    return files, problems


def is_part_file(path: str) -> bool:
    """True for a file marked ``part: true`` (included by a narrative, not played alone)."""
    loaded = load_yaml_file(Path(path), path)
    root = loaded.root
    if root is None or root.kind != "mapping":
        return False
    part = root.items.get("part")
    return part is not None and part.value is True


def is_lesson_file(path: str) -> bool:
    """True for a lesson: a YAML mapping with a top-level ``lesson:`` key (engine.learn)."""
    loaded = load_yaml_file(Path(path), path)
    root = loaded.root
    return root is not None and root.kind == "mapping" and "lesson" in root.items


def check_paths(paths: list[str]) -> CheckReport:
    """Compile each narrative and lesson; parts are checked through the files including them."""
    from engine.learn.compiler import compile_lesson  # lessons build on this package

    files, diagnostics = find_content_files(paths)
    lessons = [f for f in files if is_lesson_file(f)]
    for lesson in lessons:
        diagnostics.extend(compile_lesson(lesson).diagnostics)
    parts = [f for f in files if f not in lessons and is_part_file(f)]
    entries = [f for f in files if f not in parts and f not in lessons]
    results: list[CompileResult] = []
    covered: set[Path] = set()
    for entry in entries:
        result = compile_narrative(entry)
        results.append(result)
        diagnostics.extend(result.diagnostics)
        covered |= {Path(p).resolve() for p in result.files}
    for part in parts:
        if Path(part).resolve() not in covered:
            result = compile_narrative(part)
            results.append(result)
            diagnostics.extend(result.diagnostics)
    from engine.learn.bridge import check_lesson_references

    narrative_files = sorted({f for result in results if result.ok for f in result.files})
    diagnostics.extend(check_lesson_references(narrative_files))
    return CheckReport(tuple(files), tuple(results), tuple(sort_diagnostics(diagnostics)))
