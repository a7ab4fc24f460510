"""Lessons started from a narrative: find the lesson a ``start_lesson`` command names, and
hand its outcome back to the story as variables.

A narrative names a lesson by id or by one of its ``aliases``; lessons are looked for in a
``lessons/`` folder beside the narrative's folder or one above it (narratives/x.yaml and
narratives/x/act1.yaml both find ./lessons/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from engine.content.diagnostics import Diagnostic, did_you_mean
from engine.content.discovery import is_lesson_file
from engine.content.yamlsource import YamlNode, load_yaml_file
from engine.learn.compiler import compile_lesson
from engine.learn.program import Lesson

__all__ = ["LessonLibrary", "check_lesson_references", "lesson_folder"]

log = logging.getLogger(__name__)


def lesson_folder(narrative: Path) -> Path | None:
    folder = narrative.resolve().parent
    for candidate in (folder, *list(folder.parents)[:3]):
        lessons = candidate / "lessons"
        if lessons.is_dir():
            return lessons
    return None


@dataclass
class LessonLibrary:
    """The lessons a narrative can start, compiled once each; broken ones are logged."""

    folder: Path | None
    _by_name: dict[str, Lesson] | None = None

    @classmethod
    def for_narrative(cls, narrative: Path) -> LessonLibrary:
        return cls(lesson_folder(narrative))

    def _load(self) -> dict[str, Lesson]:
        if self._by_name is None:
            self._by_name = {}
            if self.folder is not None:
                for path in sorted(self.folder.glob("*.y*ml")):
                    if not is_lesson_file(str(path)):
                        continue
                    result = compile_lesson(path)
                    if result.lesson is None:
                        log.warning("lesson %s has errors; run 'glowgrove check %s'", path, path)
                        continue
                    for name in (result.lesson.id, *result.lesson.aliases):
                        self._by_name.setdefault(name, result.lesson)
        return self._by_name

    def quiet_find(self, name: str) -> Lesson | None:
        return self._load().get(name)

    def find(self, name: str) -> Lesson | None:
        lesson = self._load().get(name)
        if lesson is None:
            log.warning("start_lesson: no lesson called %s in %s", name, self.folder)
        return lesson

    def names(self) -> list[str]:
        return sorted(self._load())


def check_lesson_references(narrative_files: list[str]) -> list[Diagnostic]:
    """W157 for each ``start_lesson`` whose lesson cannot be found beside the narrative."""
    problems: list[Diagnostic] = []
    libraries: dict[Path | None, LessonLibrary] = {}
    for file in narrative_files:
        loaded = load_yaml_file(Path(file), file)
        if loaded.root is None:
            continue
        folder = lesson_folder(Path(file))
        library = libraries.setdefault(folder, LessonLibrary(folder))
        for node in _start_lesson_names(loaded.root):
            name = str(node.value)
            if library.quiet_find(name) is None:
                where = f"in {folder}" if folder is not None else "(no lessons/ folder found)"
                problems.append(
                    Diagnostic.at(
                        "W157",
                        f"start_lesson names no lesson '{name}' {where}",
                        node.span,
                        helps=did_you_mean(name, library.names())
                        or ["name a lesson's id or one of its 'aliases:'"],
                    )
                )
    return problems


def _start_lesson_names(root: YamlNode) -> list[YamlNode]:
    found: list[YamlNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.kind == "mapping":
            command = node.items.get("command")
            args = node.items.get("args")
            if command is not None and command.value == "start_lesson" and args is not None:
                lesson = args.items.get("lesson") if args.kind == "mapping" else None
                if lesson is not None and lesson.kind == "scalar" and lesson.value is not None:
                    found.append(lesson)
            stack.extend(node.items.values())
        elif node.kind == "sequence":
            stack.extend(node.elements)
    return sorted(found, key=lambda n: (n.line, n.column))
