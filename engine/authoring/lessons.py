"""Lessons (engine.learn) as a :class:`~engine.authoring.sources.ContentKind`.

The map draws a lesson's steps in order, the mastery check after them, the remediation steps
it can lead to, and the two results (passed, failed) with the story variables they set. The
tester plays the lesson with three learners (always right; wrong on each first try; always
wrong) and reports which results and steps each reaches, steps no learner reaches, a lesson
that cannot be passed with right answers or cannot be failed, and any runtime error.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.authoring.sources import ContentKind, Drawing, PlayTestOptions, PlayTestRun
from engine.authoring.storymap import MapEdge, MapNode, StoryGraph
from engine.content.diagnostics import Diagnostic
from engine.content.discovery import is_lesson_file
from engine.content.yamlsource import load_yaml_file
from engine.errors import EngineError
from engine.learn.compiler import compile_lesson
from engine.learn.events import ActivityEvent, ExplainEvent, LessonEndEvent
from engine.learn.models import Sort
from engine.learn.policies import AnswerPolicy, correct_answer, policy_named, wrong_answer
from engine.learn.program import Lesson, LessonStep
from engine.learn.runtime import LessonRun

__all__ = ["LESSON", "LessonTestReport", "lesson_graph", "play_lesson_test"]

_CHECK = "mastery-check"
_RESULT = "remediation-result"
_MAX_EVENTS = 10_000


def _step_lines(path: Path, display: str) -> dict[str, int]:
    """Where each step is written: the line of its '- id:' entry."""
    root = load_yaml_file(path, display).root
    lines: dict[str, int] = {}
    if root is None or root.kind != "mapping":
        return lines
    for key in ("steps", "remediation"):
        node = root.items.get(key)
        for element in node.elements if node is not None else ():
            ident = element.items.get("id") if element.kind == "mapping" else None
            if ident is not None and isinstance(ident.value, str):
                lines[ident.value] = element.line
    return lines


def lesson_graph(
    lesson: Lesson, lines: dict[str, int], diagnostics: tuple[Diagnostic, ...] = ()
) -> StoryGraph:
    nodes: dict[str, MapNode] = {}
    edges: list[MapEdge] = []

    def add(step: LessonStep) -> None:
        line = lines.get(step.id)
        source = f"{lesson.path}:{line}" if line else lesson.path
        node = MapNode(step.id, "scene", f"{step.id} ({step.kind})", source)
        node.problems = [
            f"{d.code}: {d.message}" for d in diagnostics if line is not None and d.line == line
        ]
        nodes[step.id] = node

    for step in lesson.steps:
        add(step)
    nodes[_CHECK] = MapNode(_CHECK, "scene", f"mastery {lesson.mastery:.0%}?", lesson.path)
    for name, outcome in (("passed", lesson.outcome_passed), ("failed", lesson.outcome_failed)):
        node = MapNode(f"ending:{name}", "ending", name.capitalize(), classes=["ending"])
        node.writes = sorted(outcome)
        nodes[node.id] = node
    chain = [s.id for s in lesson.steps] + [_CHECK]
    edges += [MapEdge(a, b, "jump") for a, b in itertools.pairwise(chain)]
    edges.append(MapEdge(_CHECK, "ending:passed", "end", "reached mastery"))
    nodes[_CHECK].classes.append("ends")
    if lesson.remediation:
        for step in lesson.remediation:
            add(step)
        nodes[_RESULT] = MapNode(_RESULT, "scene", "after remediation", lesson.path, ["ends"])
        again = [s.id for s in lesson.remediation] + [_RESULT]
        edges.append(MapEdge(_CHECK, again[0], "choice", "below mastery"))
        edges += [MapEdge(a, b, "jump") for a, b in itertools.pairwise(again)]
        edges.append(MapEdge(_RESULT, "ending:passed", "end", "reached mastery"))
        edges.append(MapEdge(_RESULT, "ending:failed", "end", "below mastery"))
    else:
        edges.append(MapEdge(_CHECK, "ending:failed", "end", "below mastery"))
    if lesson.steps:
        nodes[lesson.steps[0].id].classes.append("start")
    return StoryGraph(lesson.title, nodes, edges)


def _draw(path: Path) -> Drawing:
    result = compile_lesson(path, str(path))
    if result.lesson is None:
        return Drawing(None, result.diagnostics, False)
    graph = lesson_graph(result.lesson, _step_lines(path, str(path)), result.diagnostics)
    return Drawing(graph, result.diagnostics, True)


@dataclass
class LessonTestReport:
    file: str
    learners: dict[str, str] = field(default_factory=dict)  # learner -> result
    steps_total: int = 0
    steps_reached: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        lines = [f"{self.file}: a lesson, played by {len(self.learners)} learners"]
        for learner, result in self.learners.items():
            lines.append(f"    {learner}: {result}")
        lines.append(f"  steps reached: {len(self.steps_reached)} of {self.steps_total}")
        lines += [f"{self.file}: note: {text}" for text in self.notes]
        lines += [f"{self.file}: problem: {text}" for text in self.problems]
        count = len(self.problems)
        lines.append(f"  {count} problem(s)" if count else "  no problems")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": "lesson",
            "learners": self.learners,
            "steps_reached": sorted(self.steps_reached),
            "steps_total": self.steps_total,
            "problems": self.problems,
            "notes": self.notes,
            "ok": self.ok,
        }


def _always_wrong(step: LessonStep, item: str | None, attempt: int) -> object:
    return wrong_answer(step, item) if step.graded else correct_answer(step, item)


def _play(lesson: Lesson, policy: AnswerPolicy, reached: set[str]) -> LessonEndEvent:
    run = LessonRun(lesson)
    for _ in range(_MAX_EVENTS):
        event = run.advance()
        if isinstance(event, LessonEndEvent):
            return event
        if isinstance(event, ExplainEvent):
            reached.add(event.step.id)
        elif isinstance(event, ActivityEvent):
            step = event.step
            reached.add(step.id)
            items = list(run.unplaced()) if isinstance(step.activity, Sort) else [None]
            for item in items:
                attempt = 1
                while True:
                    feedback = run.answer(policy(step, item, attempt))
                    placed = item is not None and item not in run.unplaced()
                    if feedback.done or run.waiting is None or placed:
                        break
                    attempt += 1
    raise EngineError("the lesson never ended")


def play_lesson_test(lesson: Lesson, file: str) -> LessonTestReport:
    report = LessonTestReport(file, steps_total=len(lesson.steps) + len(lesson.remediation))
    learners: dict[str, AnswerPolicy] = {
        "always right": policy_named("correct"),
        "wrong on each first try": policy_named("wrong-first"),
        "always wrong": _always_wrong,
    }
    results: dict[str, bool] = {}
    for name, policy in learners.items():
        try:
            end = _play(lesson, policy, report.steps_reached)
        except EngineError as error:
            report.learners[name] = "did not finish"
            report.problems.append(f"the learner '{name}' cannot finish the lesson: {error}")
            continue
        results[name] = end.passed
        verdict = "passed" if end.passed else "failed"
        how = " after remediation" if end.remediated else ""
        report.learners[name] = f"{verdict}{how} ({end.scaled:.0%} of the points)"
    if results.get("always right") is False:
        report.problems.append("even a learner who is always right does not pass")
    if results.get("wrong on each first try") is False:
        report.notes.append(
            f"a learner right on each second try cannot pass (a retry earns "
            f"{lesson.retry_credit:.0%} of the points, mastery needs {lesson.mastery:.0%})"
        )
    if results.get("always wrong") is True:
        report.notes.append("a learner who is always wrong still passes: is mastery too low?")
    for step in (*lesson.steps, *lesson.remediation):
        if step.id not in report.steps_reached:
            report.problems.append(f"step '{step.id}' is never reached by any learner")
    return report


def _test(path: Path, options: PlayTestOptions) -> PlayTestRun:
    result = compile_lesson(path, str(path))
    if result.lesson is None:
        return PlayTestRun(None, result.diagnostics)
    return PlayTestRun(play_lesson_test(result.lesson, str(path)), result.diagnostics)


LESSON = ContentKind("lesson", lambda path: is_lesson_file(str(path)), _draw, _test)
